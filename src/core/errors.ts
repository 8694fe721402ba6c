/**
 * One error family for everything a person can be told. Each error has a stable code (for logs,
 * docs/errors.md and tests), a message that says what is wrong *and what to do next*, and an HTTP
 * status used by the one place that maps errors to responses (src/http/error-handler.ts).
 * Chat refusals are SlashbuildErrors too: the slash receiver turns them into ephemeral replies.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_ENV_MISSING"
  | "CONFIG_NOT_FOUND"
  | "AUTH_TOKEN_INVALID"
  | "API_TOKEN_INVALID"
  | "API_TOKEN_THROTTLED"
  | "WEBHOOK_SIGNATURE_INVALID"
  | "CHANNEL_NOT_ALLOWED"
  | "REPO_UNKNOWN"
  | "BRANCH_UNKNOWN"
  | "BRANCH_MALFORMED"
  | "REVISION_MALFORMED"
  | "REVISION_UNKNOWN"
  | "REVISION_NOT_ON_BRANCH"
  | "NOT_PERMITTED"
  | "COMMAND_MALFORMED"
  | "BUILD_UNKNOWN"
  | "BUILD_FINISHED"
  | "BACKEND_UNAVAILABLE"
  | "REPO_UNREACHABLE"
  | "REQUEST_INVALID"
  | "REQUEST_UNSUPPORTED"
  | "QUEUE_FULL"
  | "HOST_NOT_ALLOWED"
  | "SIGN_IN_REQUIRED"
  | "NOT_FOUND"
  | "DATABASE_TOO_NEW"
  | "DATABASE_NOT_WRITABLE"
  | "DATA_DIR_UNUSABLE"
  | "LISTEN_FAILED"
  | "CLI_USAGE"
  | "PASSWORD_REJECTED"
  | "SERVICE_UNREACHABLE"
  | "METRICS_FORBIDDEN"
  | "SIGN_IN_STATE_INVALID"
  | "SIGN_IN_NOT_CONFIGURED"
  | "CSRF_CHECK_FAILED"
  | "SIGN_IN_FAILED"
  | "STORAGE_FULL"
  | "SANDBOX_UNAVAILABLE"
  | "ACTION_CONTEXT_INVALID"
  | "ACTION_SIGNATURE_INVALID"
  | "ACTION_EXPIRED"
  | "ACTION_WRONG_POST"
  | "ACTION_USER_UNKNOWN"
  | "DEPLOY_NOT_CONFIGURED"
  | "ENVIRONMENT_UNKNOWN"
  | "DEPLOY_NOT_GREEN"
  | "DEPLOY_BRANCH_NOT_ALLOWED"
  | "ENVIRONMENT_LOCKED"
  | "ENVIRONMENT_FROZEN"
  | "DEPLOY_UNKNOWN"
  | "DEPLOY_DECIDED"
  | "APPROVAL_OWN_DEPLOY"
  | "APPROVAL_IDENTITY_UNVERIFIED"
  | "APPROVAL_STALE"
  | "NOTHING_TO_ROLL_BACK"
  | "DIRECT_MESSAGES_UNAVAILABLE";

const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  CONFIG_ENV_MISSING: 500,
  CONFIG_NOT_FOUND: 500,
  AUTH_TOKEN_INVALID: 401,
  API_TOKEN_INVALID: 401,
  API_TOKEN_THROTTLED: 429,
  WEBHOOK_SIGNATURE_INVALID: 401,
  CHANNEL_NOT_ALLOWED: 403,
  REPO_UNKNOWN: 404,
  BRANCH_UNKNOWN: 404,
  BRANCH_MALFORMED: 400,
  REVISION_MALFORMED: 400,
  REVISION_UNKNOWN: 404,
  REVISION_NOT_ON_BRANCH: 409,
  NOT_PERMITTED: 403,
  COMMAND_MALFORMED: 400,
  BUILD_UNKNOWN: 404,
  BUILD_FINISHED: 409,
  BACKEND_UNAVAILABLE: 503,
  REPO_UNREACHABLE: 502,
  REQUEST_INVALID: 400,
  REQUEST_UNSUPPORTED: 415,
  QUEUE_FULL: 429,
  HOST_NOT_ALLOWED: 421,
  SIGN_IN_REQUIRED: 401,
  NOT_FOUND: 404,
  STORAGE_FULL: 507,
  DATABASE_TOO_NEW: 500,
  DATABASE_NOT_WRITABLE: 500,
  DATA_DIR_UNUSABLE: 500,
  LISTEN_FAILED: 500,
  CLI_USAGE: 400,
  PASSWORD_REJECTED: 400,
  SERVICE_UNREACHABLE: 503,
  METRICS_FORBIDDEN: 403,
  SIGN_IN_STATE_INVALID: 403,
  SIGN_IN_NOT_CONFIGURED: 403,
  CSRF_CHECK_FAILED: 403,
  SIGN_IN_FAILED: 502,
  SANDBOX_UNAVAILABLE: 500,
  ACTION_CONTEXT_INVALID: 400,
  ACTION_SIGNATURE_INVALID: 403,
  ACTION_EXPIRED: 410,
  ACTION_WRONG_POST: 403,
  ACTION_USER_UNKNOWN: 403,
  DEPLOY_NOT_CONFIGURED: 404,
  ENVIRONMENT_UNKNOWN: 404,
  DEPLOY_NOT_GREEN: 409,
  DEPLOY_BRANCH_NOT_ALLOWED: 409,
  ENVIRONMENT_LOCKED: 423,
  ENVIRONMENT_FROZEN: 423,
  DEPLOY_UNKNOWN: 404,
  DEPLOY_DECIDED: 409,
  APPROVAL_OWN_DEPLOY: 403,
  APPROVAL_IDENTITY_UNVERIFIED: 403,
  APPROVAL_STALE: 409,
  NOTHING_TO_ROLL_BACK: 409,
  DIRECT_MESSAGES_UNAVAILABLE: 409,
};

/** Every code, for the test that holds docs/errors.md and the code base to this list. */
export const ERROR_CODES: readonly ErrorCode[] = Object.keys(HTTP_STATUS) as ErrorCode[];

export class SlashbuildError extends Error {
  override readonly name = "SlashbuildError";
  readonly code: ErrorCode;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
  }
}

/**
 * A message as a sentence of its own (first letter upper-case): messages are shown as they are on
 * the web and in HTTP answers; the chat edge puts "Sorry, " in front (chat/apologize.ts).
 */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function isSlashbuildError(error: unknown): error is SlashbuildError {
  return error instanceof SlashbuildError;
}
