/**
 * The functions of one driver unit and how calls and callback references resolve to them.
 * Resolution never crosses units, and it stays empty rather than guess: a call through a
 * pointer, or a name defined more than once elsewhere, links to nothing.
 */
import type { AnnotationFact, CallFact, FileFacts, FunctionFact, Span } from '../parser/facts.js';
import type { Location } from './location.js';
import { HeaderVisibility } from './header-visibility.js';
import { isCompiled } from './preprocessor.js';
import { push } from './expressions.js';

export interface LocatedAnnotation extends AnnotationFact {
  readonly file: string;
}

export interface FunctionInfo {
  readonly id: number;
  readonly file: string;
  readonly fact: FunctionFact;
  readonly name: string;
  readonly qualifiedName: string;
  /** Annotations of the definition and of every prototype of the same name in the unit. */
  readonly annotations: readonly LocatedAnnotation[];
  /** Role types the driver declares this function with (`EVT_WDF_IO_QUEUE_IO_READ F;`, `_Function_class_`). */
  readonly declaredRoles: readonly { readonly roleType: string; readonly location: Location }[];
  /** The code section the function is placed in, by `#pragma alloc_text`, `code_seg` or `__declspec`. */
  readonly section?: { readonly name: string; readonly how: string; readonly location: Location };
  readonly location: Location;
}

export interface CallSite {
  readonly caller: FunctionInfo;
  readonly call: CallFact;
  readonly index: number;
  readonly callees: readonly FunctionInfo[];
}

export class FunctionIndex {
  readonly all: FunctionInfo[] = [];
  private readonly byName = new Map<string, FunctionInfo[]>();
  private readonly byQualified = new Map<string, FunctionInfo[]>();
  /** C++ methods by their short name, to resolve `object->Method()` when only one class has it. */
  private readonly methodsByName = new Map<string, FunctionInfo[]>();
  private readonly cppFiles = new Set<string>();
  private readonly sitesOf = new Map<number, CallSite[]>();
  private readonly callersOf = new Map<number, CallSite[]>();
  private readonly sitesByCallee = new Map<string, CallSite[]>();
  private readonly siteByCall = new Map<number, Map<CallFact, CallSite>>();
  private readonly resolvedInFile = new Map<string, Map<string, readonly FunctionInfo[]>>();
  private readonly headers: HeaderVisibility;

  constructor(
    files: readonly FileFacts[],
    isRoleType: (name: string) => boolean,
    /** Macros the unit's project defines: definitions in branches they rule out are not compiled. */
    defines: ReadonlyMap<string, string> = new Map(),
  ) {
    this.headers = new HeaderVisibility(files);
    const compiled = files.map((file) => file.functions.filter((fact) => isCompiled(fact.conditions, defines)));
    // A unit's headers declare far more functions than it defines: only the prototypes of the
    // functions it defines lend them annotations.
    const defined = new Set(compiled.flat().map((fact) => (fact.className ? fact.qualifiedName : fact.name)));
    const declarations: Declarations = { prototypeAnnotations: new Map(), declaredRoles: new Map() };
    for (const file of files) readDeclarations(file, defined, declarations, isRoleType);
    // Each step is a method of its own: a unit's facts come in many shapes, and a small method
    // is quicker for the engine to optimize again when a new shape turns up.
    files.forEach((file, f) => this.addFunctions(file, compiled[f]!, declarations, isRoleType));
    for (const fn of this.all) this.linkCalls(fn);
  }

  private addFunctions(file: FileFacts, facts: readonly FunctionFact[], declarations: Declarations, isRoleType: (name: string) => boolean): void {
    if (file.language === 'cpp') this.cppFiles.add(file.path);
    const allocText = new Map(file.allocText.map((a) => [a.name, a]));
    for (const fact of facts) this.addFunction(file, fact, allocText, declarations, isRoleType);
  }

  private addFunction(
    file: FileFacts,
    fact: FunctionFact,
    allocText: ReadonlyMap<string, FileFacts['allocText'][number]>,
    { prototypeAnnotations, declaredRoles }: Declarations,
    isRoleType: (name: string) => boolean,
  ): void {
    const own: LocatedAnnotation[] = fact.annotations.map((a) => located(a, file.path));
    for (const a of fact.annotations) addFunctionClass(declaredRoles, fact.name, a, file.path, isRoleType);
    const placed = allocText.get(fact.name);
    const section = placed
      ? { name: placed.section, how: `#pragma alloc_text(${placed.section}, ${fact.name})`, location: { file: file.path, span: placed.span } }
      : fact.section
        ? { name: fact.section.name, how: fact.section.how, location: { file: file.path, span: fact.section.span } }
        : undefined;
    const info: FunctionInfo = {
      id: this.all.length,
      file: file.path,
      fact,
      name: fact.name,
      qualifiedName: fact.qualifiedName,
      annotations: [...own, ...(prototypeAnnotations.get(fact.className ? fact.qualifiedName : fact.name) ?? [])],
      declaredRoles: fact.className ? [] : (declaredRoles.get(fact.name) ?? []),
      ...(section ? { section } : {}),
      location: { file: file.path, span: fact.nameSpan },
    };
    this.all.push(info);
    push(this.byName, fact.name, info);
    push(this.byQualified, fact.qualifiedName, info);
    if (fact.className) push(this.methodsByName, fact.name, info);
  }

  /** The call sites of `fn`, what each resolves to, and the reverse links. */
  private linkCalls(fn: FunctionInfo): void {
    const sites: CallSite[] = fn.fact.calls.map((call, index) => ({ caller: fn, call, index, callees: this.resolveCall(fn, call) }));
    this.sitesOf.set(fn.id, sites);
    for (const site of sites) {
      push(this.sitesByCallee, site.call.callee, site);
      for (const callee of site.callees) push(this.callersOf, callee.id, site);
    }
  }

  /**
   * The call sites of the unit whose callee is one of `callees` (by name, however it is
   * called), in the order of the functions and, within each, of the calls: the order a scan
   * of every call finds them in, without the scan.
   */
  sitesCalling(callees: Iterable<string>): CallSite[] {
    const sites: CallSite[] = [];
    for (const callee of new Set(callees)) sites.push(...(this.sitesByCallee.get(callee) ?? []));
    return sites.sort((a, b) => a.caller.id - b.caller.id || a.index - b.index);
  }

  /** The call sites whose callee's name `pattern` matches, in the order of `sitesCalling`. */
  sitesMatching(pattern: RegExp): CallSite[] {
    return this.sitesCalling([...this.sitesByCallee.keys()].filter((callee) => pattern.test(callee)));
  }

  /** Some function of the unit calls `callee` (by name). */
  calls(callee: string): boolean {
    return this.sitesByCallee.has(callee);
  }

  /** The call site of one of `fn`'s calls. */
  siteOf(fn: FunctionInfo, call: CallFact): CallSite | undefined {
    let byCall = this.siteByCall.get(fn.id);
    if (!byCall) {
      byCall = new Map();
      for (const site of this.callSites(fn)) if (!byCall.has(site.call)) byCall.set(site.call, site);
      this.siteByCall.set(fn.id, byCall);
    }
    return byCall.get(call);
  }

  callSites(fn: FunctionInfo): readonly CallSite[] {
    return this.sitesOf.get(fn.id) ?? [];
  }

  callers(fn: FunctionInfo): readonly CallSite[] {
    return this.callersOf.get(fn.id) ?? [];
  }

  /**
   * The functions a name written in `from` refers to: `EvtIoRead`, `&EvtIoRead`,
   * `(PFN_X)EvtIoRead`, `CQueue::OnRead`. A definition in the same file wins; otherwise the
   * non-static definitions elsewhere in the unit, and the static ones of the headers the file
   * includes.
   */
  resolveName(name: string, from: FunctionInfo | undefined, fromFile: string): FunctionInfo[] {
    // Most names are plain identifiers already: nothing to clean, nothing qualified.
    const plain = PLAIN_NAME.test(name);
    const clean = plain ? name : name.replace(/^&\s*/, '').replace(/\s+/g, '');
    if (!plain && !/^[A-Za-z_][\w:]*$/.test(clean)) return [];
    if (!plain && clean.includes('::')) return this.byQualified.get(clean) ?? [];
    const ownerClass = from?.fact.className;
    if (ownerClass) {
      const method = this.byQualified.get(`${ownerClass}::${clean}`);
      if (method) return method;
    }
    const named = this.byName.get(clean);
    if (!named) return [];
    const candidates = named.filter((f) => f.fact.className === undefined);
    const local = candidates.filter((f) => f.file === fromFile);
    if (local.length > 0) return local;
    // A static function is seen only where it is compiled: its own file, or a file that
    // includes the header it is defined in.
    return candidates.filter((f) => !f.fact.isStatic || this.headers.includes(fromFile, f.file));
  }

  private resolveCall(caller: FunctionInfo, call: CallFact): readonly FunctionInfo[] {
    switch (call.calleeKind) {
      case 'identifier': {
        // A name called from a file resolves the same way from every function of the file but
        // a method (which may mean a method of its class): resolved once per file and name.
        if (caller.fact.className) return this.resolveName(call.callee, caller, caller.file);
        let inFile = this.resolvedInFile.get(caller.file);
        if (!inFile) this.resolvedInFile.set(caller.file, (inFile = new Map()));
        let callees = inFile.get(call.callee);
        if (!callees) inFile.set(call.callee, (callees = this.resolveName(call.callee, caller, caller.file)));
        return callees;
      }
      case 'qualified':
        return this.byQualified.get(call.callee) ?? [];
      case 'field': {
        // In C, `obj->Fn(...)` is a call through a pointer: unknown. In C++ `this->Method()`
        // names a method of the caller's own class.
        const owner = caller.fact.className;
        if (owner && call.receiver === 'this') return this.byQualified.get(`${owner}::${call.callee}`) ?? [];
        if (!this.cppFiles.has(caller.file)) return [];
        // `journal->Flush()`: linked only when exactly one class of the unit defines `Flush`
        // (overloads of one method count once) and no free function shares the name.
        const methods = this.methodsByName.get(call.callee) ?? [];
        const classes = new Set(methods.map((m) => m.fact.className));
        if (classes.size !== 1 || (this.byName.get(call.callee) ?? []).some((f) => !f.fact.className)) return [];
        return methods;
      }
      default:
        return [];
    }
  }
}

const PLAIN_NAME = /^[A-Za-z_]\w*$/;

/** What the unit's declarations say of its functions, gathered from every file before the definitions. */
interface Declarations {
  readonly prototypeAnnotations: Map<string, LocatedAnnotation[]>;
  readonly declaredRoles: Map<string, { roleType: string; location: Location }[]>;
}

function readDeclarations(file: FileFacts, defined: ReadonlySet<string>, { prototypeAnnotations, declaredRoles }: Declarations, isRoleType: (name: string) => boolean): void {
  for (const proto of file.prototypes) {
    if (proto.annotations.length === 0) continue;
    if (defined.has(proto.name)) {
      const list = prototypeAnnotations.get(proto.name) ?? [];
      for (const a of proto.annotations) list.push(located(a, file.path));
      prototypeAnnotations.set(proto.name, list);
    }
    for (const a of proto.annotations) addFunctionClass(declaredRoles, proto.name, a, file.path, isRoleType);
  }
  for (const decl of file.typedDeclarations) {
    if (!isRoleType(decl.typeName)) continue;
    const list = declaredRoles.get(decl.name) ?? [];
    list.push({ roleType: decl.typeName, location: { file: file.path, span: decl.span } });
    declaredRoles.set(decl.name, list);
  }
}

function located(a: AnnotationFact, file: string): LocatedAnnotation {
  return { name: a.name, args: a.args, span: a.span, file };
}

function addFunctionClass(
  roles: Map<string, { roleType: string; location: Location }[]>,
  name: string,
  annotation: AnnotationFact,
  file: string,
  isRoleType: (name: string) => boolean,
): void {
  if (annotation.name !== '_Function_class_' && annotation.name !== '__drv_functionClass') return;
  const roleType = annotation.args.trim();
  if (!isRoleType(roleType)) return;
  push(roles, name, { roleType, location: { file, span: annotation.span as Span } });
}
