/**
 * The few workerd modules the in-workerd tests use, typed just enough for `tsc` over the whole repository.
 * (The full @cloudflare/workers-types would clash with the DOM and Node types the rest of the code uses.)
 */
interface TestExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: unknown;
}

declare module "cloudflare:workers" {
  /** The main Worker's exports (functions/worker.ts), called like a service binding. */
  export const exports: { default: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> } };
  /** The main Worker's bindings (wrangler.toml vars plus those set in vitest.config.ts). */
  export const env: Record<string, string>;
}

declare module "cloudflare:test" {
  export function createExecutionContext(): TestExecutionContext;
  export function waitOnExecutionContext(ctx: TestExecutionContext): Promise<void>;
}
