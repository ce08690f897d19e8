/**
 * The generated Kinesis Video models: every control-plane operation has an HTTP binding (and so a route), and the
 * media models keep what REST-JSON needs beyond the body (header-bound members, the payload member).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { kinesisVideoArchivedMediaModel, kinesisVideoMediaModel, kinesisVideoModel } from '../../src/video/index.js';

it('binds every kinesisvideo operation to POST and a path, with the three capitalised exceptions', () => {
  const paths = Object.entries(kinesisVideoModel.operations).map(([name, op]) => {
    assert.equal(op.http?.method, 'POST', name);
    return op.http!.requestUri;
  });
  assert.equal(paths.length, 32);
  assert.deepEqual(paths.filter((p) => /^\/[A-Z]/.test(p)).sort(), [
    '/ListTagsForResource',
    '/TagResource',
    '/UntagResource',
  ]);
  assert.equal(kinesisVideoModel.metadata.protocol, 'rest-json');
  assert.equal(kinesisVideoModel.metadata.endpointPrefix, 'kinesisvideo');
});

it('keeps header locations and payload members of the media models', () => {
  const getMedia = kinesisVideoMediaModel.shapes.GetMediaOutput;
  assert.ok(getMedia?.type === 'structure');
  assert.equal(getMedia.payload, 'Payload');
  assert.deepEqual(getMedia.members.ContentType, {
    shape: 'ContentType',
    location: 'header',
    locationName: 'Content-Type',
  });
  assert.deepEqual(kinesisVideoModel.shapes.StreamInfo?.type, 'structure');
  const clip = kinesisVideoArchivedMediaModel.shapes.GetClipOutput;
  assert.ok(clip?.type === 'structure');
  assert.equal(clip.payload, 'Payload');
});
