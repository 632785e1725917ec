// Minimal typing for the parts of autocannon@8 the benchmark uses (the package ships no types and
// @types/autocannon is not a dependency).
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      amount?: number;
      duration?: number;
      timeout?: number;
      pipelining?: number;
      requests?: { setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> }[];
    }
    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      requests: { total: number };
    }
    interface Instance extends PromiseLike<Result> {
      on(event: "response", fn: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): this;
      stop(): void;
    }
  }
  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
