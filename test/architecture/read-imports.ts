import path from "node:path";
import ts from "typescript";

/**
 * Every way a src/ file can load another module, read from TypeScript's syntax tree (the parser
 * only: no program, no type checker). Regexes over the text missed forms the rule must see: type
 * positions (`import("fastify").FastifyReply`), `createRequire`, aliased or namespace imports of
 * it, and loads whose specifier is computed, which no rule can check and so are reported as such.
 */

export interface Import {
  /** File, relative to the repository root (src/core/build-service.ts). */
  readonly from: string;
  readonly line: number;
  /** How it is loaded: "import", "export … from", "import()", "require", "createRequire", "new Worker", … */
  readonly how: string;
  /** The specifier as written ("../config/config.js", "fastify", "node:fs"); null when it is computed. */
  readonly specifier: string | null;
  /** Resolved to a src/ path for relative specifiers; null otherwise. */
  readonly target: string | null;
  /** Erased at compile time: `import type`, `export type`, `import("x").T` (verbatimModuleSyntax keeps every other form). */
  readonly typeOnly: boolean;
  /** For a computed load: the expression, as written, that the rule cannot follow. */
  readonly expression?: string;
}

const MODULE_MODULES = new Set(["module", "node:module"]);
const WORKER_MODULES = new Set(["worker_threads", "node:worker_threads"]);

export function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Import[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const add = (at: ts.Node | number, how: string, specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith(".")
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, ".ts")
      : null;
    const line = typeof at === "number" ? source.getLineAndCharacterOfPosition(at).line + 1 : lineOf(at);
    found.push({ from: file, line, how, specifier, target, typeOnly });
  };
  const computed = (node: ts.Node, how: string, expression: string) =>
    found.push({
      from: file,
      line: lineOf(node),
      how,
      specifier: null,
      target: null,
      typeOnly: false,
      expression,
    });
  /** A load through a call: a literal specifier is an import like any other; anything else is unverifiable. */
  const load = (call: ts.CallExpression | ts.NewExpression, how: string) => {
    const first = call.arguments?.[0];
    if (first && ts.isStringLiteralLike(first)) add(call, how, first.text, false);
    else computed(call, how, call.getText(source).split("\n")[0] as string);
  };

  // Names this file gives node:module's createRequire and worker_threads' Worker by importing them
  // (perhaps renamed). Reached as a member of anything (`m.createRequire`, `(await
  // import("node:module")).createRequire`), they are taken for themselves too.
  const createRequires = new Set<string>(["createRequire"]);
  const workers = new Set<string>(["Worker"]);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings) || !(MODULE_MODULES.has(from) || WORKER_MODULES.has(from)))
      continue;
    const [names, exported] = MODULE_MODULES.has(from)
      ? [createRequires, "createRequire"]
      : [workers, "Worker"];
    for (const element of bindings.elements)
      if ((element.propertyName ?? element.name).text === exported) names.add(element.name.text);
  }
  /** An imported name of the sets above, or that export read as a member of anything. */
  const names = (node: ts.Expression, direct: Set<string>, member: string) =>
    (ts.isIdentifier(node) && direct.has(node.text)) ||
    (ts.isPropertyAccessExpression(node) && node.name.text === member);
  /** Functions that load a module by name: CommonJS's `require` and whatever createRequire made. */
  const requires = new Set<string>(["require"]);
  const isRequire = (node: ts.Expression) =>
    (ts.isIdentifier(node) && requires.has(node.text)) ||
    (ts.isCallExpression(node) && names(node.expression, createRequires, "createRequire"));
  const isCallee = (node: ts.Node) =>
    (ts.isCallExpression(node.parent) && node.parent.expression === node) ||
    (ts.isPropertyAccessExpression(node.parent) &&
      node.parent.name.text === "resolve" &&
      ts.isCallExpression(node.parent.parent) &&
      node.parent.parent.expression === node.parent);
  const calledWith = (node: ts.Node) =>
    (ts.isCallExpression(node.parent) ? node.parent : node.parent.parent) as ts.CallExpression;

  const visit = (node: ts.Node): void => {
    // `const { createRequire: cr } = …`: the name given to a loader maker read out of an object.
    if (ts.isBindingElement(node) && ts.isIdentifier(node.name)) {
      const property = node.propertyName ?? node.name;
      const text = ts.isIdentifier(property) ? property.text : "";
      if (text === "createRequire") createRequires.add(node.name.text);
      if (text === "Worker") workers.add(node.name.text);
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, "import", node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node, "export … from", node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) add(node, "import = require", expression.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        add(node, "import() type", argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      load(node, "import()");
    } else if (isRequire(node as ts.Expression) && !(ts.isIdentifier(node) && isNameOnly(node))) {
      const how = ts.isIdentifier(node) && node.text === "require" ? "require" : "createRequire";
      if (isCallee(node)) load(calledWith(node), how);
      else if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name))
        requires.add(node.parent.name.text);
      else computed(node, how, `${node.getText(source)} (a module loader handed on)`);
    } else if (ts.isNewExpression(node) && names(node.expression, workers, "Worker")) {
      // A worker runs a file or source text the rule never reads.
      computed(node, "new Worker", `new Worker(${node.arguments?.[0]?.getText(source) ?? ""})`);
    } else if (ts.isCallExpression(node) && isMember(node.expression, "import", "meta", "resolve")) {
      load(node, "import.meta.resolve");
    } else if (ts.isCallExpression(node) && isMember(node.expression, "process", "getBuiltinModule")) {
      load(node, "process.getBuiltinModule");
    } else if (
      (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "eval") ||
      (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "Function") ||
      (ts.isCallExpression(node) && isMember(node.expression, "process", "dlopen")) ||
      (ts.isCallExpression(node) && isMember(node.expression, "process", "binding"))
    ) {
      computed(node, "evaluated code", node.getText(source).split("\n")[0] as string);
    }
    ts.forEachChild(node, visit);
  };
  // `/// <reference types="x" />` and `/// <reference path="x" />` bring in declarations too.
  for (const reference of source.typeReferenceDirectives)
    add(reference.pos, "reference types", reference.fileName, true);
  for (const reference of source.referencedFiles) {
    const relative = reference.fileName.startsWith(".") ? reference.fileName : `./${reference.fileName}`;
    add(reference.pos, "reference path", relative, true);
  }
  visit(source);
  return found;
}

/** `a.b.c` (or `a.b` when only two names are given), `import.meta` included. */
function isMember(node: ts.Expression, ...chain: string[]): boolean {
  const last = chain[chain.length - 1] as string;
  if (chain.length === 1) return ts.isIdentifier(node) && node.text === last;
  if (ts.isMetaProperty(node)) return chain.length === 2 && chain[0] === "import" && node.name.text === last;
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === last &&
    isMember(node.expression, ...chain.slice(0, -1))
  );
}

/** `x.require`, `{ require: … }`, `const require = …`: a name that happens to be a loader's, not a use of one. */
function isNameOnly(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isImportSpecifier(parent) ||
      ts.isNamespaceImport(parent) ||
      ts.isImportClause(parent) ||
      ts.isBindingElement(parent)) &&
    (parent as { name?: ts.Node }).name === node
  );
}
