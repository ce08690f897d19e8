/**
 * The rest of the Kinesis Video control plane through the AWS SDK v3: UpdateStream and UpdateDataRetention with
 * versions, GetDataEndpoint for every APIName, both tag APIs, signaling channels and their endpoints, and the
 * stored configurations (image generation, notification, storage tiers, media storage, edge).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  APIName,
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DeleteEdgeConfigurationCommand,
  DeleteSignalingChannelCommand,
  DescribeEdgeConfigurationCommand,
  DescribeImageGenerationConfigurationCommand,
  DescribeMappedResourceConfigurationCommand,
  DescribeMediaStorageConfigurationCommand,
  DescribeNotificationConfigurationCommand,
  DescribeSignalingChannelCommand,
  DescribeStreamCommand,
  DescribeStreamStorageConfigurationCommand,
  GetDataEndpointCommand,
  GetSignalingChannelEndpointCommand,
  type KinesisVideoClient,
  ListEdgeAgentConfigurationsCommand,
  ListSignalingChannelsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  StartEdgeConfigurationUpdateCommand,
  TagResourceCommand,
  TagStreamCommand,
  UntagResourceCommand,
  UntagStreamCommand,
  UpdateDataRetentionCommand,
  UpdateImageGenerationConfigurationCommand,
  UpdateMediaStorageConfigurationCommand,
  UpdateNotificationConfigurationCommand,
  UpdateSignalingChannelCommand,
  UpdateStreamCommand,
  UpdateStreamStorageConfigurationCommand,
} from '@aws-sdk/client-kinesis-video';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectError, videoClient, waitFor } from './helpers.js';

let t: TestServer;
let kv: KinesisVideoClient;

before(async () => {
  t = await startTestServer();
  kv = videoClient(t.server.url);
});
after(async () => {
  kv.destroy();
  await t.close();
});

/** Creates a stream and waits until it is ACTIVE; resolves with its ARN and version. */
async function activeStream(name: string, retention = 0): Promise<{ arn: string; version: string }> {
  const { StreamARN } = await kv.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: retention }));
  return waitFor(async () => {
    const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamARN }));
    return StreamInfo?.Status === 'ACTIVE' ? { arn: StreamARN!, version: StreamInfo.Version! } : undefined;
  });
}

async function versionOf(name: string): Promise<string> {
  const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: name }));
  return StreamInfo!.Version!;
}

describe('UpdateStream and UpdateDataRetention', () => {
  it('updates device name and media type at the current version, and changes the version', async () => {
    const { version } = await activeStream('upd');
    await expectError(
      kv.send(new UpdateStreamCommand({ StreamName: 'upd', CurrentVersion: 'old', MediaType: 'video/h265' })),
      'VersionMismatchException',
      'The stream version that you specified is not the latest version. To get the latest version, use the DescribeStream API.',
    );
    await kv.send(
      new UpdateStreamCommand({
        StreamName: 'upd',
        CurrentVersion: version,
        DeviceName: 'garage',
        MediaType: 'video/h265',
      }),
    );
    const info = await waitFor(async () => {
      const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'upd' }));
      return StreamInfo?.Status === 'ACTIVE' ? StreamInfo : undefined;
    });
    assert.equal(info.DeviceName, 'garage');
    assert.equal(info.MediaType, 'video/h265');
    assert.notEqual(info.Version, version);
  });

  it('increases and decreases retention within 0..87,600 hours', async () => {
    await activeStream('ret', 10);
    await kv.send(
      new UpdateDataRetentionCommand({
        StreamName: 'ret',
        CurrentVersion: await versionOf('ret'),
        Operation: 'INCREASE_DATA_RETENTION',
        DataRetentionChangeInHours: 5,
      }),
    );
    let { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'ret' }));
    assert.equal(StreamInfo?.DataRetentionInHours, 15);
    await expectError(
      kv.send(
        new UpdateDataRetentionCommand({
          StreamName: 'ret',
          CurrentVersion: StreamInfo!.Version!,
          Operation: 'DECREASE_DATA_RETENTION',
          DataRetentionChangeInHours: 16,
        }),
      ),
      'InvalidArgumentException',
    );
    await expectError(
      kv.send(
        new UpdateDataRetentionCommand({
          StreamName: 'ret',
          CurrentVersion: StreamInfo!.Version!,
          Operation: 'INCREASE_DATA_RETENTION',
          DataRetentionChangeInHours: 87_600,
        }),
      ),
      'InvalidArgumentException',
    );
    await kv.send(
      new UpdateDataRetentionCommand({
        StreamName: 'ret',
        CurrentVersion: StreamInfo!.Version!,
        Operation: 'DECREASE_DATA_RETENTION',
        DataRetentionChangeInHours: 15,
      }),
    );
    ({ StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'ret' })));
    assert.equal(StreamInfo?.DataRetentionInHours, 0);
    await expectError(
      kv.send(
        new UpdateDataRetentionCommand({
          StreamName: 'ret',
          CurrentVersion: 'stale',
          Operation: 'INCREASE_DATA_RETENTION',
          DataRetentionChangeInHours: 1,
        }),
      ),
      'VersionMismatchException',
    );
  });
});

describe('GetDataEndpoint', () => {
  it("answers this server's URL for every APIName", async () => {
    await activeStream('ep');
    for (const api of Object.values(APIName)) {
      const { DataEndpoint } = await kv.send(new GetDataEndpointCommand({ StreamName: 'ep', APIName: api }));
      assert.equal(DataEndpoint, t.server.url, api);
    }
    await expectError(
      kv.send(new GetDataEndpointCommand({ StreamName: 'missing', APIName: 'GET_MEDIA' })),
      'ResourceNotFoundException',
    );
  });

  it('answers --public-url when the server is behind a proxy', async () => {
    const proxied = await startTestServer({ publicUrl: 'https://video.example.com' });
    const client = videoClient(proxied.server.url);
    try {
      await client.send(new CreateStreamCommand({ StreamName: 'p' }));
      const { DataEndpoint } = await client.send(new GetDataEndpointCommand({ StreamName: 'p', APIName: 'PUT_MEDIA' }));
      assert.equal(DataEndpoint, 'https://video.example.com');
    } finally {
      client.destroy();
      await proxied.close();
    }
  });
});

describe('tags', () => {
  it('tags, lists and untags a stream by name and by ARN', async () => {
    const { arn } = await activeStream('tagged');
    await kv.send(new TagStreamCommand({ StreamName: 'tagged', Tags: { team: 'a', env: 'dev' } }));
    await kv.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
    assert.deepEqual((await kv.send(new ListTagsForStreamCommand({ StreamARN: arn }))).Tags, {
      team: 'a',
      env: 'prod',
    });
    await kv.send(new UntagStreamCommand({ StreamName: 'tagged', TagKeyList: ['team', 'absent'] }));
    assert.deepEqual((await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, { env: 'prod' });
    await kv.send(new UntagResourceCommand({ ResourceARN: arn, TagKeyList: ['env'] }));
    assert.deepEqual((await kv.send(new ListTagsForStreamCommand({ StreamName: 'tagged' }))).Tags, {});
  });

  it('refuses more than 50 tags and unknown resources', async () => {
    await activeStream('many-tags');
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await kv.send(new TagStreamCommand({ StreamName: 'many-tags', Tags: tags }));
    await expectError(
      kv.send(new TagStreamCommand({ StreamName: 'many-tags', Tags: { one: 'more' } })),
      'TagsPerResourceExceededLimitException',
    );
    assert.equal(
      Object.keys((await kv.send(new ListTagsForStreamCommand({ StreamName: 'many-tags' }))).Tags!).length,
      50,
    );
    await expectError(
      kv.send(
        new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/none/1' }),
      ),
      'ResourceNotFoundException',
    );
  });
});

describe('signaling channels', () => {
  it('creates, describes, lists, updates, tags and deletes a channel', async () => {
    const { ChannelARN } = await kv.send(
      new CreateSignalingChannelCommand({ ChannelName: 'door-bell', Tags: [{ Key: 'site', Value: 'home' }] }),
    );
    assert.match(ChannelARN ?? '', /^arn:aws:kinesisvideo:us-east-1:000000000000:channel\/door-bell\/\d+$/);
    const info = await waitFor(async () => {
      const { ChannelInfo } = await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'door-bell' }));
      return ChannelInfo?.ChannelStatus === 'ACTIVE' ? ChannelInfo : undefined;
    });
    assert.equal(info.ChannelARN, ChannelARN);
    assert.equal(info.ChannelType, 'SINGLE_MASTER');
    assert.deepEqual(info.SingleMasterConfiguration, { MessageTtlSeconds: 60 });
    await expectError(
      kv.send(new CreateSignalingChannelCommand({ ChannelName: 'door-bell' })),
      'ResourceInUseException',
    );
    const listed = await kv.send(
      new ListSignalingChannelsCommand({
        ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'door' },
      }),
    );
    assert.deepEqual(
      listed.ChannelInfoList?.map((c) => c.ChannelName),
      ['door-bell'],
    );
    assert.deepEqual((await kv.send(new ListTagsForResourceCommand({ ResourceARN: ChannelARN }))).Tags, {
      site: 'home',
    });

    await expectError(
      kv.send(new UpdateSignalingChannelCommand({ ChannelARN, CurrentVersion: 'x', SingleMasterConfiguration: {} })),
      'VersionMismatchException',
    );
    await kv.send(
      new UpdateSignalingChannelCommand({
        ChannelARN,
        CurrentVersion: info.Version,
        SingleMasterConfiguration: { MessageTtlSeconds: 30 },
      }),
    );
    const updated = await waitFor(async () => {
      const { ChannelInfo } = await kv.send(new DescribeSignalingChannelCommand({ ChannelARN }));
      return ChannelInfo?.ChannelStatus === 'ACTIVE' ? ChannelInfo : undefined;
    });
    assert.deepEqual(updated.SingleMasterConfiguration, { MessageTtlSeconds: 30 });
    assert.notEqual(updated.Version, info.Version);

    const { ResourceEndpointList } = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
      }),
    );
    assert.deepEqual(ResourceEndpointList, [
      { Protocol: 'WSS', ResourceEndpoint: t.server.url.replace(/^http/, 'ws') },
      { Protocol: 'HTTPS', ResourceEndpoint: t.server.url },
    ]);

    // WEBRTC needs a channel configured for ingestion (a media storage configuration).
    await expectError(
      kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WEBRTC'], Role: 'MASTER' },
        }),
      ),
      'InvalidArgumentException',
    );

    await kv.send(new DeleteSignalingChannelCommand({ ChannelARN, CurrentVersion: updated.Version }));
    await waitFor(async () => {
      try {
        await kv.send(new DescribeSignalingChannelCommand({ ChannelARN }));
        return undefined;
      } catch (e) {
        return (e as Error).name === 'ResourceNotFoundException' ? true : undefined;
      }
    });
  });

  it('validates channel names and TTLs against the model', async () => {
    await expectError(kv.send(new CreateSignalingChannelCommand({ ChannelName: '' })), 'InvalidArgumentException');
    await expectError(
      kv.send(
        new CreateSignalingChannelCommand({ ChannelName: 'ttl', SingleMasterConfiguration: { MessageTtlSeconds: 1 } }),
      ),
      'InvalidArgumentException',
      /Member must have value greater than or equal to 5/,
    );
  });
});

describe('stored configurations', () => {
  it('image generation and notification configurations need retention, then are described as stored', async () => {
    const { arn } = await activeStream('configs', 0);
    const image = {
      Status: 'ENABLED' as const,
      ImageSelectorType: 'SERVER_TIMESTAMP' as const,
      DestinationConfig: { Uri: 's3://bucket/images', DestinationRegion: 'us-east-1' },
      SamplingInterval: 3000,
      Format: 'JPEG' as const,
      FormatConfig: { JPEGQuality: '80' },
      WidthPixels: 320,
    };
    await expectError(
      kv.send(new UpdateImageGenerationConfigurationCommand({ StreamARN: arn, ImageGenerationConfiguration: image })),
      'NoDataRetentionException',
    );
    await kv.send(
      new UpdateDataRetentionCommand({
        StreamARN: arn,
        CurrentVersion: await versionOf('configs'),
        Operation: 'INCREASE_DATA_RETENTION',
        DataRetentionChangeInHours: 1,
      }),
    );
    await kv.send(
      new UpdateImageGenerationConfigurationCommand({ StreamARN: arn, ImageGenerationConfiguration: image }),
    );
    assert.deepEqual(
      (await kv.send(new DescribeImageGenerationConfigurationCommand({ StreamName: 'configs' })))
        .ImageGenerationConfiguration,
      image,
    );
    const notification = {
      Status: 'ENABLED' as const,
      DestinationConfig: { Uri: 'arn:aws:sns:us-east-1:000000000000:t' },
    };
    assert.equal(
      (await kv.send(new DescribeNotificationConfigurationCommand({ StreamARN: arn }))).NotificationConfiguration,
      undefined,
    );
    await kv.send(
      new UpdateNotificationConfigurationCommand({ StreamARN: arn, NotificationConfiguration: notification }),
    );
    assert.deepEqual(
      (await kv.send(new DescribeNotificationConfigurationCommand({ StreamARN: arn }))).NotificationConfiguration,
      notification,
    );
  });

  it('stream storage tier, media storage of a channel, edge configuration and mapped resources', async () => {
    const { arn } = await activeStream('storage', 24);
    assert.deepEqual(
      (await kv.send(new DescribeStreamStorageConfigurationCommand({ StreamARN: arn }))).StreamStorageConfiguration,
      { DefaultStorageTier: 'HOT' },
    );
    await kv.send(
      new UpdateStreamStorageConfigurationCommand({
        StreamARN: arn,
        CurrentVersion: await versionOf('storage'),
        StreamStorageConfiguration: { DefaultStorageTier: 'WARM' },
      }),
    );
    assert.deepEqual(
      (await kv.send(new DescribeStreamStorageConfigurationCommand({ StreamName: 'storage' })))
        .StreamStorageConfiguration,
      { DefaultStorageTier: 'WARM' },
    );

    const { ChannelARN } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'ingest' }));
    await waitFor(async () => {
      const { ChannelInfo } = await kv.send(new DescribeSignalingChannelCommand({ ChannelARN }));
      return ChannelInfo?.ChannelStatus === 'ACTIVE' ? true : undefined;
    });
    assert.deepEqual(
      (await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN }))).MediaStorageConfiguration,
      { Status: 'DISABLED' },
    );
    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN,
        MediaStorageConfiguration: { Status: 'ENABLED', StreamARN: arn },
      }),
    );
    assert.deepEqual(
      (await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelName: 'ingest' })))
        .MediaStorageConfiguration,
      { Status: 'ENABLED', StreamARN: arn },
    );
    const { ResourceEndpointList } = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WEBRTC'], Role: 'MASTER' },
      }),
    );
    assert.deepEqual(ResourceEndpointList, [{ Protocol: 'WEBRTC', ResourceEndpoint: t.server.url }]);

    await expectError(
      kv.send(new DescribeEdgeConfigurationCommand({ StreamARN: arn })),
      'StreamEdgeConfigurationNotFoundException',
    );
    const hub = 'arn:aws:iot:us-east-1:000000000000:thing/hub';
    const edge = {
      HubDeviceArn: hub,
      RecorderConfig: {
        MediaSourceConfig: {
          MediaUriSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:cam',
          MediaUriType: 'RTSP_URI' as const,
        },
      },
    };
    const started = await kv.send(new StartEdgeConfigurationUpdateCommand({ StreamARN: arn, EdgeConfig: edge }));
    assert.equal(started.SyncStatus, 'SYNCING');
    assert.deepEqual((await kv.send(new DescribeEdgeConfigurationCommand({ StreamName: 'storage' }))).EdgeConfig, edge);
    const other = await activeStream('storage-2', 1);
    await kv.send(new StartEdgeConfigurationUpdateCommand({ StreamARN: other.arn, EdgeConfig: edge }));
    const first = await kv.send(new ListEdgeAgentConfigurationsCommand({ HubDeviceArn: hub, MaxResults: 1 }));
    assert.deepEqual(
      first.EdgeConfigs?.map((c) => c.StreamARN),
      [arn],
    );
    const second = await kv.send(
      new ListEdgeAgentConfigurationsCommand({ HubDeviceArn: hub, MaxResults: 1, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      second.EdgeConfigs?.map((c) => c.StreamARN),
      [other.arn],
    );
    assert.equal(second.NextToken, undefined);
    await kv.send(new DeleteEdgeConfigurationCommand({ StreamARN: arn }));
    await expectError(
      kv.send(new DeleteEdgeConfigurationCommand({ StreamARN: arn })),
      'StreamEdgeConfigurationNotFoundException',
    );
    assert.deepEqual(
      (await kv.send(new DescribeMappedResourceConfigurationCommand({ StreamARN: arn })))
        .MappedResourceConfigurationList,
      [],
    );
  });
});
