import { z } from "zod";
import { secretProblem } from "./secret-strength";

/** A zod schema for a secret env var: refused with a message naming the var (never its value). */
export function strongSecret(name: string) {
  return z.string({ error: `${name} is not set` }).superRefine((value, ctx) => {
    const problem = secretProblem(name, value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
