import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { abortableIterable } from "../../src/grpc/index.js";

/** A source that yields the given values and then parks forever, recording whether return() was called. */
function parkedSource<T>(values: T[]) {
  const state = { returned: false };
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () => (i < values.length ? Promise.resolve({ value: values[i++] as T, done: false }) : new Promise<IteratorResult<T>>(() => {})),
        return: () => {
          state.returned = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
  return { iterable, state };
}

describe("abortableIterable", () => {
  it("passes values through and finishes with the source", async () => {
    async function* three() {
      yield* [1, 2, 3];
    }
    const out: number[] = [];
    for await (const v of abortableIterable(three(), new AbortController().signal)) out.push(v);
    expect(out).toEqual([1, 2, 3]);
  });

  it("throws the signal's reason while the source is parked, and calls the source's return()", async () => {
    const ac = new AbortController();
    const { iterable, state } = parkedSource([1]);
    const out: number[] = [];
    const loop = (async () => {
      for await (const v of abortableIterable(iterable, ac.signal)) {
        out.push(v);
        setTimeout(() => ac.abort(new ConnectError("server shutting down", Code.Unavailable)), 10);
      }
    })();
    const err = await loop.catch((e: unknown) => e);
    expect(out).toEqual([1]);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect(state.returned).toBe(true);
  });

  it("throws at once on an already aborted signal without touching the source", async () => {
    const ac = new AbortController();
    ac.abort(new ConnectError("gone", Code.Canceled));
    const { iterable, state } = parkedSource([1]);
    const err = await (async () => {
      for await (const _ of abortableIterable(iterable, ac.signal)) throw new Error("unreachable");
    })().catch((e: unknown) => e);
    expect((err as ConnectError).code).toBe(Code.Canceled);
    expect(state.returned).toBe(false);
  });

  it("closes the source when the consumer breaks out early", async () => {
    const { iterable, state } = parkedSource([1, 2]);
    for await (const v of abortableIterable(iterable, new AbortController().signal)) if (v === 1) break;
    expect(state.returned).toBe(true);
  });

  it("propagates the source's own error unchanged", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error("source broke");
    }
    const err = await (async () => {
      for await (const _ of abortableIterable(failing(), new AbortController().signal));
    })().catch((e: unknown) => (e as Error).message);
    expect(err).toBe("source broke");
  });
});
