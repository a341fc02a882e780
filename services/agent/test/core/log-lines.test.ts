/** Raw output cut at line ends, as Docker's copier cuts it, whatever the chunks were. */
import { describe, expect, it } from "vitest";
import { LineCutter } from "../../src/core/log-lines.js";

const cutAll = (chunks: string[], max?: number) => {
  const c = new LineCutter(max);
  const out = chunks.map((x) => c.push(Buffer.from(x))?.toString() ?? null);
  return { out, rest: c.flush()?.toString() ?? null };
};

describe("LineCutter", () => {
  it("hands on whole lines, holding an unfinished one until its end", () => {
    expect(cutAll(["a\nb", "c", "\nd\n", "e"])).toEqual({ out: ["a\n", null, "bc\nd\n", null], rest: "e" });
  });

  it("hands on a line longer than the limit in pieces, and what follows its last newline when that is long", () => {
    expect(cutAll(["abc", "defg", "h\nijklmn"], 4)).toEqual({ out: [null, "abcdefg", "h\nijklmn"], rest: null });
  });

  it("keeps a copy of what it holds (the caller may reuse its buffer)", () => {
    const c = new LineCutter();
    const b = Buffer.from("x\nyz");
    c.push(b);
    b.write("QQ", 2);
    expect(c.flush()?.toString()).toBe("yz");
  });

  it("ignores empty chunks; an empty stream leaves nothing", () => {
    expect(cutAll(["", ""])).toEqual({ out: [null, null], rest: null });
  });
});
