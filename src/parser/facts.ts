/**
 * The plain syntax facts the parser hands to the model. Nothing here refers to a parse tree:
 * these objects can cross a worker boundary and be cached as JSON.
 */
import type { SourceEncoding } from '../source/decode.js';
import type { Position, Span } from '../source/span.js';

export type { Position, Span };

/** An initializer as written: `{ IRP_MJ_CREATE, 0, PreCreate }`, `.EvtIoRead = F`, or an expression. */
export type Initializer =
  | { readonly kind: 'list'; readonly items: readonly Initializer[]; readonly span: Span }
  | { readonly kind: 'designated'; readonly field: string; readonly value: Initializer; readonly span: Span }
  | { readonly kind: 'expr'; readonly text: string; readonly core: string; readonly span: Span };

export interface CallFact {
  /** The called name: `WdfRequestSend`, `Method` of `obj->Method(...)`, `Class::Method`. */
  readonly callee: string;
  /** How the callee is written; only `identifier` and `qualified` name a function for certain. */
  readonly calleeKind: 'identifier' | 'qualified' | 'field' | 'other';
  /** For `obj->Method(...)` / `obj.Method(...)`: the text of `obj`. */
  readonly receiver?: string;
  /** Argument texts with whitespace folded. */
  readonly args: readonly string[];
  /** Each argument with casts, `&` and parentheses removed: the name a value travels under. */
  readonly argCores: readonly string[];
  readonly span: Span;
  /** The call sits inside the condition or a branch of an `if`, `?:`, `switch` or loop. */
  readonly conditional: boolean;
  /** Conditions of the enclosing `if` statements and `?:` expressions, innermost last. */
  readonly guards: readonly string[];
  /** End offset of the innermost block around the call: what it acquires is held until here at most. */
  readonly scopeEnd: number;
  /** What the caller does with the returned value (see "Control-flow facts" below). */
  readonly result?: CallResultUse;
}

export interface AssignmentFact {
  readonly lhs: string;
  /** The root variable of the left side: `cfg` of `cfg.EvtIoRead`, `devCtx` of `devCtx->Target`. */
  readonly lhsBase: string;
  /** Field and subscript steps after the root: `['MajorFunction', '[IRP_MJ_READ]']`. */
  readonly lhsPath: readonly string[];
  readonly operator: string;
  readonly rhs: string;
  /** The right side with casts, `&` and parentheses removed. */
  readonly rhsCore: string;
  /** When the right side is a call: its callee, so `t = WdfDeviceGetIoTarget(d)` is understood. */
  readonly rhsCall?: string;
  readonly span: Span;
}

export interface VariableFact {
  readonly name: string;
  readonly type: string;
  readonly pointer: boolean;
  readonly array: boolean;
  readonly init?: Initializer;
  /** When the initializer is a call: its callee. */
  readonly initCall?: string;
  readonly span: Span;
}

export interface ParameterFact {
  readonly name: string;
  readonly type: string;
}

export interface AnnotationFact {
  readonly name: string;
  readonly args: string;
  readonly span: Span;
}

export interface FunctionFact {
  /** The name calls use: `EvtIoRead`, or `Method` for `Class::Method`. */
  readonly name: string;
  /** `Class::Method` for C++ methods, else the same as `name`. */
  readonly qualifiedName: string;
  readonly className?: string;
  readonly isStatic: boolean;
  readonly nameSpan: Span;
  readonly span: Span;
  readonly params: readonly ParameterFact[];
  /** SAL and section annotations written on this definition. */
  readonly annotations: readonly AnnotationFact[];
  /** The code section the definition is placed in by pragma or declspec, if any. */
  readonly section?: { readonly name: string; readonly how: string; readonly span: Span };
  /** Where the body asserts `PAGED_CODE()`. */
  readonly pagedCode?: Span;
  readonly calls: readonly CallFact[];
  readonly assignments: readonly AssignmentFact[];
  readonly locals: readonly VariableFact[];
  /** The expressions of the body's `return` statements, whitespace folded. */
  readonly returns: readonly string[];
  /** Preprocessor conditions the definition is compiled under (`#if`/`#else` around it). */
  readonly conditions?: readonly { readonly expr: string; readonly holds: boolean }[];
  /** The declared return type, whitespace folded (see "Control-flow facts" below). */
  readonly returnType?: string;
  /** The body's statement structure (see "Control-flow facts" below). */
  readonly flow?: FlowNode;
  /** Control flow and casts of the body, as the WDM and minifilter rules read them (see the block at the end of this file). */
  readonly controlFlow?: FunctionFlowFacts;
}

export interface PrototypeFact {
  readonly name: string;
  readonly annotations: readonly AnnotationFact[];
  readonly span: Span;
}

/** `EVT_WDF_IO_QUEUE_IO_READ MyRead;`: a function declared with a typedef'd function type. */
export interface TypedDeclarationFact {
  readonly typeName: string;
  readonly name: string;
  readonly span: Span;
}

export interface FileFacts {
  /** Path relative to the scan root, forward slashes. */
  readonly path: string;
  readonly language: 'c' | 'cpp';
  readonly encoding: SourceEncoding;
  readonly lossy: boolean;
  readonly lineCount: number;
  readonly includes: readonly string[];
  readonly functions: readonly FunctionFact[];
  readonly prototypes: readonly PrototypeFact[];
  readonly typedDeclarations: readonly TypedDeclarationFact[];
  readonly globals: readonly VariableFact[];
  /** Functions placed in a section by `#pragma alloc_text`, wherever they are defined. */
  readonly allocText: readonly { readonly name: string; readonly section: string; readonly span: Span }[];
  /** Count of syntax-error regions tree-sitter recovered from. */
  readonly errorCount: number;
  /** `drvcheck-ignore…` comments, in source order. */
  readonly suppressionComments: readonly { readonly text: string; readonly span: Span; readonly trailing: boolean }[];
  /** `#pragma warning(...)` and `#pragma prefast(suppress: ...)`, in source order, by line. */
  readonly warningPragmas: readonly { readonly line: number; readonly action: 'suppress' | 'disable' | 'default' | 'push' | 'pop'; readonly numbers: readonly number[] }[];
  /** Macro invocations at file scope (see "Control-flow facts" below). */
  readonly macroCalls?: readonly MacroCallFact[];
  /** Type names the file defines as pointers: `PMY_CONTEXT` of `typedef struct _MY_CONTEXT {…} MY_CONTEXT, *PMY_CONTEXT;`. */
  readonly pointerTypedefs?: readonly string[];
  /** Fields of the structures the file defines: what type each name holds. */
  readonly fieldDeclarations?: readonly FieldDeclarationFact[];
}

// ---------------------------------------------------------------------------------------------
// Control-flow facts. Added for the WDF request rules: which statements a body is made of and
// how they nest (so a rule can tell what runs unconditionally after a call, which branch a
// failed call leads to, where a `goto` lands), what a call's caller does with its result, a
// function's return type, and macro invocations written at file scope
// (`WDF_DECLARE_CUSTOM_TYPE(MYOBJECT);`). All offsets are into the decoded source text.
// ---------------------------------------------------------------------------------------------

/**
 * A statement of a function body. `simple` is an expression statement or a declaration (its
 * calls run in order); `opaque` is a statement the flow model does not follow (nesting too
 * deep): whoever walks the flow stops there.
 */
export type FlowKind =
  | 'block'
  | 'if'
  | 'switch'
  | 'case'
  | 'loop'
  | 'try'
  | 'label'
  | 'return'
  | 'break'
  | 'continue'
  | 'goto'
  | 'simple'
  | 'opaque';

export interface FlowNode {
  readonly kind: FlowKind;
  readonly start: number;
  readonly end: number;
  /** Where the statement starts, as a finding's path step shows it. */
  readonly at: Position;
  /** `if`, `switch`, loops: where the controlling expression is (a `for` header as a whole). */
  readonly condition?: { readonly start: number; readonly end: number; readonly text: string };
  /**
   * `block`: its statements; `if`: [then, else?]; `switch`: its cases in order (a statement
   * before the first case is a `block`); `case`: its statements; loops: [body]; `try`: [body,
   * handler...]; `label`: [the labelled statement].
   */
  readonly children?: readonly FlowNode[];
  /** `label` and `goto`: the label's name. */
  readonly label?: string;
}

/**
 * What the caller does with a call's value. `condition`: it decides an `if`, loop or `?:`,
 * possibly through `!` and comparisons with TRUE/FALSE (`negated` when the condition holds
 * exactly when the call returned FALSE/zero); `assigned`: stored in `variable`.
 */
export interface CallResultUse {
  readonly kind: 'discarded' | 'condition' | 'assigned' | 'returned' | 'argument' | 'other';
  readonly variable?: string;
  readonly negated?: boolean;
  /** For `condition`: the offset where the controlling statement (`if`, loop, `?:`) starts. */
  readonly statement?: number;
}

/** `WDF_DECLARE_CUSTOM_TYPE(MYOBJECT);` written at file scope. */
export interface MacroCallFact {
  readonly name: string;
  readonly args: readonly string[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Control-flow and expression facts, read for the WDM and minifilter rules. The fields of
// FunctionFact and FileFacts that carry them (`controlFlow`, `pointerTypedefs`,
// `fieldDeclarations`) are optional; a rule that needs them stays silent when they are missing.
// Offsets are into the file text, like `Position.offset`.
// ---------------------------------------------------------------------------------------------

/** An expression the control flow branches on: an `if` or loop condition, a `switch` value. */
export interface FlowExpression {
  readonly text: string;
  readonly span: Span;
}

/**
 * A statement of a function body as control flow sees it. Simple statements carry only their
 * extent: the calls, assignments and declarations inside them are the function's other facts,
 * placed by offset.
 */
export type FlowStatement =
  | { readonly kind: 'block'; readonly items: readonly FlowStatement[] }
  | { readonly kind: 'simple'; readonly start: number; readonly end: number }
  | { readonly kind: 'if'; readonly cond: FlowExpression; readonly then: FlowStatement; readonly else?: FlowStatement }
  | { readonly kind: 'while' | 'do'; readonly cond: FlowExpression; readonly body: FlowStatement }
  | {
      readonly kind: 'for';
      readonly init?: FlowStatement;
      readonly cond?: FlowExpression;
      readonly update?: FlowStatement;
      readonly body: FlowStatement;
    }
  | { readonly kind: 'switch'; readonly cond: FlowExpression; readonly cases: readonly FlowCase[] }
  | { readonly kind: 'label'; readonly name: string; readonly body: FlowStatement }
  | {
      readonly kind: 'jump';
      readonly jump: 'return' | 'break' | 'continue' | 'goto' | 'leave' | 'throw';
      readonly span: Span;
      /** The label of a `goto`. */
      readonly target?: string;
      /** The expression of a `return`, whitespace folded. */
      readonly value?: string;
    }
  | {
      readonly kind: 'try';
      /** `__try`/`__except` (and the `try`/`except` macros of C file systems) or `__try`/`__finally`. */
      readonly handler: 'except' | 'finally';
      readonly body: FlowStatement;
      readonly filter?: FlowExpression;
      readonly handlerBody: FlowStatement;
    };

/** One `case`/`default` label of a `switch`, with the statements up to the next label. */
export interface FlowCase {
  /** The case value; absent for `default`. */
  readonly value?: string;
  readonly span: Span;
  readonly body: readonly FlowStatement[];
}

/** A cast to a named type: `(ULONG)Irp`, `(ULONG)(ULONG_PTR)p`. */
export interface CastFact {
  /** The type cast to, whitespace folded: `ULONG`, `unsigned long`, `PVOID`. */
  readonly type: string;
  /** Types of casts directly inside this one, outermost first: `['ULONG_PTR']` for `(ULONG)(ULONG_PTR)p`. */
  readonly innerCasts: readonly string[];
  /** The value under all the casts and parentheses, whitespace folded. */
  readonly operand: string;
  /** The syntax of that value: `identifier`, `field_expression`, `call_expression`, `address_of`, … */
  readonly operandKind: string;
  /** When the value is a call: its callee. */
  readonly operandCall?: string;
  readonly span: Span;
  /** The callee of the innermost call whose arguments contain the cast. */
  readonly argumentOf?: string;
}

/** `PUCHAR Buffer;` in a structure: the field's name, its type, and whether its declarator is a pointer. */
export interface FieldDeclarationFact {
  readonly name: string;
  readonly type: string;
  readonly pointer: boolean;
  /**
   * Names of the structure the field belongs to: its tag (`_CTX`), its typedef names (`CTX`),
   * and its pointer typedef names marked with a star (`*PCTX`).
   */
  readonly owners: readonly string[];
}

export interface FunctionFlowFacts {
  /** The body's statements; absent when the body has syntax errors or constructs flow is not read for. */
  readonly body?: FlowStatement;
  /** Why `body` is absent. */
  readonly unreadable?: string;
  /** For each parameter, whether it is declared with a pointer declarator (`PVOID *p`, `char *s`). */
  readonly paramPointers: readonly boolean[];
  readonly casts: readonly CastFact[];
}
