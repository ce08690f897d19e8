/**
 * The shape model: each operation's input/output shapes with AWS's constraints, generated from the
 * AWS API models (botocore `service-2.json`) by `scripts/generate-shapes.mjs` into checked-in
 * `*.generated.ts` files. Only names, types and constraints are kept, never documentation text.
 */

export interface MemberRef {
  /** Name of the target shape in {@link ServiceModel.shapes}. */
  readonly shape: string;
  /**
   * REST protocols: where the member travels when not in the JSON body (`header`, `uri`, `querystring`), e.g.
   * GetMedia's `ContentType` in the `Content-Type` header. Absent: in the body.
   */
  readonly location?: 'header' | 'headers' | 'uri' | 'querystring' | 'statusCode';
  /** The header, URI label or query parameter name of a located member. */
  readonly locationName?: string;
}

export type Shape =
  | {
      readonly type: 'structure';
      readonly members: Readonly<Record<string, MemberRef>>;
      readonly required?: readonly string[];
      readonly union?: boolean;
      /** An error shape (botocore `exception`). */
      readonly exception?: boolean;
      /** An event-stream union (botocore `eventstream`), e.g. SubscribeToShard's `EventStream`. */
      readonly eventstream?: boolean;
      /** A member type of an event stream (botocore `event`). */
      readonly event?: boolean;
      /** REST protocols: the member that is the whole HTTP body (GetMedia's streamed `Payload`). */
      readonly payload?: string;
      /**
       * Order in which AWS checks and reports this structure's members in a ValidationException,
       * when it differs from model order (from the generator's override tables). Lists every member.
       */
      readonly validationOrder?: readonly string[];
    }
  | { readonly type: 'list'; readonly member: MemberRef; readonly min?: number; readonly max?: number }
  | {
      readonly type: 'map';
      readonly key: MemberRef;
      readonly value: MemberRef;
      readonly min?: number;
      readonly max?: number;
    }
  | {
      readonly type: 'string';
      readonly min?: number;
      readonly max?: number;
      readonly pattern?: string;
      readonly enum?: readonly string[];
    }
  | { readonly type: 'integer' | 'long' | 'double' | 'float'; readonly min?: number; readonly max?: number }
  | { readonly type: 'blob'; readonly min?: number; readonly max?: number; readonly streaming?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'timestamp' };

export interface OperationModel {
  readonly input?: string;
  readonly output?: string;
  /** Error types the operation declares. */
  readonly errors: readonly string[];
  /** HTTP binding for REST protocols. */
  readonly http?: { readonly method: string; readonly requestUri: string };
}

export interface ServiceModel {
  readonly metadata: {
    readonly apiVersion: string;
    readonly protocol: string;
    readonly jsonVersion?: string;
    readonly targetPrefix?: string;
    readonly signingName?: string;
    readonly endpointPrefix: string;
    readonly serviceId: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}
