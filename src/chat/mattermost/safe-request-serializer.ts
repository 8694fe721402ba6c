/**
 * Fastify `logger.serializers.req` that never logs a secret: slash commands sent with GET carry
 * the token in the query string, and POSTs carry it in `Authorization`. So the URL is logged
 * without its query and no headers are logged at all. Pass it to Fastify as
 * `logger: { serializers: { req: safeRequestSerializer } }`.
 */
export interface SerializableRequest {
  readonly method: string;
  readonly url: string;
  readonly host?: string;
  readonly hostname?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number | undefined } | null;
}

/** A type alias (not an interface) so it fits Fastify's index-signature serializer type. */
export type SafeRequestLog = {
  method: string;
  url: string;
  host: string | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
};

export function safeRequestSerializer(request: SerializableRequest): SafeRequestLog {
  return {
    method: request.method,
    url: stripQuery(request.url),
    host: request.host ?? request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function stripQuery(url: string): string {
  const at = url.indexOf("?");
  return at === -1 ? url : url.slice(0, at);
}
