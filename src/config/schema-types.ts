import { z } from "zod";
import { parseDuration, parseSize } from "./units.js";

/** Value types shared by every section of the config schema (one duration, one size, one URL rule). */

export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration: write e.g. 90s, 30m or 2h` });
    return z.NEVER;
  }
  return ms;
});

export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === null) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a size: write e.g. 512KB or 10MB` });
    return z.NEVER;
  }
  return bytes;
});

export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
