/**
 * The one shape of a rule: verify rules (lib/verify/rules.ts), HA rules (lib/verify/ha-rules.ts,
 * ids in lib/ha/annotations.ts) and diff risk rules (lib/diff/risks.ts). Each has a stable id (it
 * appears in messages and opt-outs), says what it holds to, checks one input, and carries a case
 * that breaks it and one that satisfies it; test/rules.test.ts runs both for every rule.
 */

/** One finding of a rule: its id, what it says, and where (a file, an object) when the kind of rule knows. */
export interface RuleFinding {
  readonly rule: string;
  readonly message: string;
  /** The file the finding is about (verify and HA rules). @default - none */
  readonly file?: string;
  /** The object, `apiVersion Kind namespace/name` (verify and HA rules). @default - none */
  readonly object?: string;
}

/**
 * A rule over `Input`. `Fixture` is how its cases are written when an input cannot be (a rendered
 * tree is files, an HA context is built from them): the kind's runner turns a fixture into an input.
 */
export interface Rule<Input, Fixture = Input> {
  /** Stable id, e.g. `ha/replicas`, `replicas-lowered`, `verify/namespaces`. */
  readonly id: string;
  /** What the rule holds to, in one line. */
  readonly description: string;
  /** The rule's findings for `input`; empty when it holds. */
  check(input: Input): readonly RuleFinding[];
  /** A case with at least one finding of this rule, and one with none. */
  readonly fixtures: { readonly breaking: Fixture; readonly satisfying: Fixture };
}
