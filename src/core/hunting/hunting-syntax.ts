/**
 * The syntax tree of a hunting query, as the parser builds it: every node keeps where it starts and
 * ends in the text (offsets), so the checker can point at it.
 *
 * @module
 */

interface Span {
  readonly start: number
  readonly end: number
}

/** A name as written (a column, a function, an alias), with its place. */
export interface NameSyntax extends Span {
  readonly name: string
}

export type ExprSyntax =
  | (Span & { readonly kind: 'name'; readonly name: string })
  | (Span & { readonly kind: 'string'; readonly value: string })
  | (Span & { readonly kind: 'long' | 'real' | 'timespan' | 'datetime'; readonly value: number })
  | (Span & { readonly kind: 'bool'; readonly value: boolean })
  | (Span & { readonly kind: 'call'; readonly name: NameSyntax; readonly args: readonly ExprSyntax[] })
  /** `a op b`; `op` as written: `==`, `and`, `contains`, `!startswith_cs`, `+`, ... */
  | (Span & { readonly kind: 'binary'; readonly op: string; readonly opStart: number; readonly left: ExprSyntax; readonly right: ExprSyntax })
  | (Span & { readonly kind: 'negate'; readonly operand: ExprSyntax })
  /** `x.name`, `x['name']`, `x[0]` */
  | (Span & { readonly kind: 'member'; readonly object: ExprSyntax; readonly member: string | number; readonly memberStart: number })
  /** `x in (a, b)`, `x !in (...)`, `x in~ (...)`, `x !in~ (...)` */
  | (Span & { readonly kind: 'in'; readonly op: string; readonly opStart: number; readonly subject: ExprSyntax; readonly values: readonly ExprSyntax[] })
  /** `x between (low .. high)`, `x !between (...)` */
  | (Span & { readonly kind: 'between'; readonly negated: boolean; readonly opStart: number; readonly subject: ExprSyntax; readonly low: ExprSyntax; readonly high: ExprSyntax })

/** `Name = expr` or `expr` (in project, extend, summarize, distinct). */
export interface AssignmentSyntax {
  readonly name: NameSyntax | null
  readonly expr: ExprSyntax
}

export interface OrderKeySyntax {
  readonly expr: ExprSyntax
  readonly direction: 'asc' | 'desc' | null
  readonly nulls: 'first' | 'last' | null
}

export type OperatorSyntax =
  | (Span & { readonly kind: 'where'; readonly predicate: ExprSyntax })
  | (Span & { readonly kind: 'project' | 'extend' | 'distinct'; readonly items: readonly AssignmentSyntax[] })
  | (Span & { readonly kind: 'project-away'; readonly names: readonly NameSyntax[] })
  | (Span & { readonly kind: 'project-rename'; readonly items: ReadonlyArray<{ readonly name: NameSyntax; readonly from: NameSyntax }> })
  | (Span & { readonly kind: 'summarize'; readonly aggregates: readonly AssignmentSyntax[]; readonly by: readonly AssignmentSyntax[] })
  | (Span & { readonly kind: 'order'; readonly keys: readonly OrderKeySyntax[] })
  | (Span & { readonly kind: 'top'; readonly count: number; readonly countStart: number; readonly key: OrderKeySyntax })
  | (Span & { readonly kind: 'take'; readonly count: number; readonly countStart: number })
  | (Span & { readonly kind: 'count' })
  /** `render ...`: a chart hint for Defender's portal; accepted and ignored so Defender queries run unchanged. */
  | (Span & { readonly kind: 'render' })

export interface QuerySyntax {
  readonly table: NameSyntax
  readonly operators: readonly OperatorSyntax[]
}
