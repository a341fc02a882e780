// Contract cases for images and volumes: hasImage, pulls (success with progress, failures typed
// permanent or transient, abort), create without the image, volume labels. Defined by
// runtimeContract (contract.ts) for each runtime.
import { expect, it } from "vitest";
import { ImagePullError, type PullProgress } from "../../src/runtime/container-runtime.js";
import { DEADLINE_MS, type ContractCtx, type ContractImages } from "./contract-support.js";

export function imageCases(ctx: ContractCtx): void {
  const rt = () => ctx.t().runtime;
  const pull = (ref: string, onProgress: (p: PullProgress) => void = () => {}, signal = AbortSignal.timeout(DEADLINE_MS)) =>
    rt().pull(ref, onProgress, signal);

  it("knows which images it has", async () => {
    const { present, absent } = ctx.t().images;
    expect(await rt().hasImage(present)).toBe(true);
    expect(await rt().hasImage(absent)).toBe(false);
  });

  it("throws from create() for an image it does not have", async () => {
    const t = ctx.t();
    const spec = { ...t.spec(`${t.prefix}-no-image`, {}), image: t.images.absent };
    await expect(rt().create(spec)).rejects.toThrow();
  });

  it("pulls an image, telling progress; then has it", async () => {
    const { pullable } = ctx.t().images;
    expect(await rt().hasImage(pullable)).toBe(false);
    const seen: PullProgress[] = [];
    await pull(pullable, (p) => seen.push(p));
    expect(await rt().hasImage(pullable)).toBe(true);
    expect(seen.some((p) => p.total > 0 && p.current === p.total)).toBe(true);
  });

  it.each<[keyof ContractImages, boolean]>([
    ["missing", true],
    ["denied", true],
    ["unreachable", false],
    ["broken", false],
  ])("fails a pull of the %s image with an ImagePullError, permanent: %s", async (part, permanent) => {
    const ref = ctx.t().images[part];
    const err = await pull(ref).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImagePullError);
    expect(err).toMatchObject({ permanent });
    expect((err as Error).message).not.toBe("");
    expect(await rt().hasImage(ref)).toBe(false);
  });

  it("ends a pull that hangs when its signal aborts, with the signal's reason", async () => {
    const ac = new AbortController();
    const reason = new Error("enough");
    const pulling = pull(ctx.t().images.hanging, () => {}, ac.signal);
    const timer = setTimeout(() => ac.abort(reason), 300);
    try {
      await expect(pulling).rejects.toBe(reason);
    } finally {
      clearTimeout(timer);
    }
  });

  it("gives a volume's labels: null when there is none; a mount creates it with the mount's labels", async () => {
    const t = ctx.t();
    const name = `${t.prefix}-vol`;
    expect(await rt().volumeLabels(`${t.prefix}-no-such-volume`)).toBeNull();
    const [key, value] = t.label.split("=") as [string, string];
    const labels = { [key]: value, "trainyard.contract.mount": "yes" };
    const spec = t.spec(`${t.prefix}-with-volume`, {});
    const id = await rt().create({ ...spec, mounts: [{ type: "volume", source: name, target: "/data", readOnly: false, labels }] });
    try {
      expect(await rt().volumeLabels(name)).toEqual(labels);
    } finally {
      await rt().remove(id);
    }
    expect(await rt().volumeLabels(name)).toEqual(labels);
  });
}
