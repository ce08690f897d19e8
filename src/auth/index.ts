/**
 * Public door of the auth area: SigV4 verification, the credentials file, IAM-style policies and
 * authorization tables built from each service's operation traits. Imports only `protocol`, Node built-ins and the SigV4 library.
 */
export { createSigV4Verifier, isoBasic } from './sigv4.js';
export type { SignedRequest, SigV4Verifier, SigV4VerifierOptions, VerifiedRequest } from './sigv4.js';
export {
  CredentialsError,
  EMPTY_CREDENTIALS,
  loadCredentialsFile,
  parseCredentials,
  watchCredentialsFile,
} from './credentials.js';
export type {
  AccessKey,
  CredentialStore,
  CredentialsSource,
  Principal,
  WatchCredentialsOptions,
} from './credentials.js';
export { evaluatePolicies, parsePolicy, PolicyError, principalMatches, wildcardMatch } from './policy.js';
export type { CallerPrincipal, Policy, PolicyDecision, PolicyEffect, PolicyKind, PolicyStatement } from './policy.js';
export { CONDITION_KEYS, compileConditions, conditionsHold, normaliseIp, parseDate } from './conditions.js';
export type { Condition, ConditionContext } from './conditions.js';
export { authorizationTable, partitionOf, resolveAuthorization, resourceAccount } from './resources.js';
export type { AuthorizationScope, ResolvedAuthorization, ServiceAuthorization } from './resources.js';
export { createAuthGuard, decideSecurityMode, InsecureConfigError, isLoopback } from './guard.js';
export type {
  AuthGuard,
  AuthGuardOptions,
  AuthorizeRequest,
  CallerIdentity,
  SecurityMode,
  SecurityModeInput,
} from './guard.js';
