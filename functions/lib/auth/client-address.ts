/**
 * The address a request came from, for per-client login throttling. Only sources the caller cannot forge:
 * - Node (@hono/node-server): the TCP peer address of the socket. Forwarding headers are ignored: without a
 *   trusted proxy in front they are whatever the client wrote.
 * - Cloudflare Workers: `CF-Connecting-IP`, which Cloudflare's edge sets and overwrites.
 * Runtime-neutral: the Node socket is read from the request's env object without importing node modules.
 */
import type { Context } from "hono";

export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  if (incoming) return normalise(incoming.socket?.remoteAddress);
  return normalise(c.req.header("cf-connecting-ip"));
}

function normalise(address: string | undefined): string {
  if (!address) return "unknown";
  const trimmed = address.trim().toLowerCase().slice(0, 64);
  // An IPv4 peer seen through a dual-stack socket (::ffff:1.2.3.4) is the same client as 1.2.3.4.
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}
