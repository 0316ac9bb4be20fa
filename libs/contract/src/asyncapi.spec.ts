import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ERROR_STATUS } from './errors';

/**
 * docs/asyncapi.yaml against the contract's types (socket-events.ts, read by the TypeScript compiler): the
 * same events in each direction, and for every payload and ack the same fields, required exactly when the type
 * does not make them optional, down through nested objects, arrays and string enums.
 */

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
};
interface AsyncApi {
  channels: Record<string, { address: string; messages: Record<string, Schema> }>;
  operations: Record<string, { action: 'send' | 'receive'; channel: Schema; messages: Schema[]; reply?: { messages: Schema[] } }>;
  components: { schemas: Record<string, Schema> };
}

const ASYNCAPI = load(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml'), 'utf8')) as AsyncApi;

/** Follows a local `$ref` (`#/a/b/c`). */
function deref<T>(node: T & { $ref?: string }): T {
  if (node.$ref === undefined) return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], ASYNCAPI);
  if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
  return deref(target as T & { $ref?: string });
}

/** A schema with its `$ref`s followed, `allOf` merged, and a nullable `oneOf` reduced to its non-null branch. */
function resolveSchema(node: Schema): Schema {
  const schema = deref(node);
  if (schema.allOf) {
    const parts = schema.allOf.map(resolveSchema);
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((part) => part.properties)) as Record<string, Schema>,
      required: [...new Set(parts.flatMap((part) => part.required ?? []))],
    };
  }
  if (schema.oneOf) {
    const branches = schema.oneOf.map(resolveSchema).filter((branch) => branch.type !== 'null');
    if (branches.length === 1) return branches[0]!;
  }
  return schema;
}

/** The message payload schema of one side of an operation. */
function payloadOf(messageRef: Schema): Schema {
  return resolveSchema(deref<{ payload: Schema }>(deref(messageRef) as { payload: Schema }).payload);
}

/** The `data` schema of an ack's success branch (`{ ok: true, data }`). */
function ackData(ack: Schema): Schema {
  const success = (ack.oneOf ?? []).map(resolveSchema).find((branch) => branch.properties?.ok?.const === true);
  if (success?.properties?.data === undefined) throw new Error('ack without an { ok: true, data } branch');
  return resolveSchema(success.properties.data);
}

/** Event name → [payload, ack data] per direction, as the AsyncAPI document describes them. */
function documentedEvents(action: 'send' | 'receive'): Map<string, { payload: Schema; ack?: Schema }> {
  const events = new Map<string, { payload: Schema; ack?: Schema }>();
  for (const operation of Object.values(ASYNCAPI.operations).filter((op) => op.action === action)) {
    const channel = deref(operation.channel) as unknown as { address: string };
    const reply = operation.reply?.messages[0];
    events.set(channel.address, { payload: payloadOf(operation.messages[0]!), ack: reply ? ackData(payloadOf(reply)) : undefined });
  }
  return events;
}

// ---- the contract's side, from the TypeScript compiler ----

const program = ts.createProgram([join(__dirname, 'socket-events.ts')], { strict: true, noEmit: true, skipLibCheck: true, types: [] });
const checker = program.getTypeChecker();
const source = program.getSourceFile(join(__dirname, 'socket-events.ts'))!;

function interfaceType(name: string): ts.Type {
  const declaration = source.statements.find((node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === name);
  if (declaration === undefined) throw new Error(`socket-events.ts has no interface ${name}`);
  return checker.getTypeAtLocation(declaration);
}

function propertyType(type: ts.Type, name: string): ts.Type {
  const property = type.getProperty(name);
  if (property === undefined) throw new Error(`${checker.typeToString(type)} has no ${name}`);
  return checker.getNonNullableType(checker.getTypeOfSymbol(property));
}

function parameterTypes(fn: ts.Type): ts.Type[] {
  const [signature] = checker.getSignaturesOfType(fn, ts.SignatureKind.Call);
  if (signature === undefined) throw new Error(`${checker.typeToString(fn)} is not a function`);
  return signature.getParameters().map((parameter) => checker.getTypeOfSymbol(parameter));
}

/** Event name → [payload, ack data] per direction, from ClientToServerEvents / ServerToClientEvents. */
function typedEvents(mapName: 'ClientToServerEvents' | 'ServerToClientEvents'): Map<string, { payload: ts.Type; ack?: ts.Type }> {
  const map = interfaceType(mapName);
  const events = new Map<string, { payload: ts.Type; ack?: ts.Type }>();
  for (const event of checker.getPropertiesOfType(map)) {
    const [payload, ackCallback] = parameterTypes(checker.getTypeOfSymbol(event));
    if (payload === undefined) throw new Error(`${event.name} takes no payload`);
    let ack: ts.Type | undefined;
    if (ackCallback !== undefined) {
      const [result] = parameterTypes(ackCallback);
      if (result === undefined) throw new Error(`${event.name}'s ack callback takes no result`);
      const success = (result.isUnion() ? result.types : [result]).find((member) => checker.typeToString(propertyType(member, 'ok')) === 'true');
      ack = success && propertyType(success, 'data');
    }
    events.set(event.name, { payload, ack });
  }
  return events;
}

// ---- comparison ----

function stringLiterals(type: ts.Type): string[] | undefined {
  const members = type.isUnion() ? type.types : [type];
  return members.every((member) => member.isStringLiteral()) ? members.map((member) => member.value).sort() : undefined;
}

/** Differences between a contract type and a schema, as readable lines (none when they agree). */
function differences(type: ts.Type, schema: Schema, path: string): string[] {
  const literals = stringLiterals(type);
  if (literals !== undefined && schema.enum !== undefined) {
    const documented = schema.enum.map(String).sort();
    return documented.join() === literals.join() ? [] : [`${path}: values ${literals.join(', ')} in the type, ${documented.join(', ')} documented`];
  }
  if (checker.isArrayType(type) && schema.items !== undefined) {
    return differences(checker.getTypeArguments(type as ts.TypeReference)[0]!, resolveSchema(schema.items), `${path}[]`);
  }
  if (schema.properties === undefined || type.flags & ts.TypeFlags.StringLike || type.flags & ts.TypeFlags.NumberLike) return [];
  const found: string[] = [];
  const properties = checker.getPropertiesOfType(type);
  const documented = Object.keys(schema.properties);
  for (const property of properties) {
    const at = `${path}.${property.name}`;
    if (!documented.includes(property.name)) {
      found.push(`${at}: in the type, not documented`);
      continue;
    }
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    const required = schema.required?.includes(property.name) ?? false;
    if (optional === required) found.push(`${at}: ${optional ? 'optional' : 'required'} in the type, ${required ? 'required' : 'optional'} documented`);
    found.push(...differences(checker.getNonNullableType(checker.getTypeOfSymbol(property)), resolveSchema(schema.properties[property.name]!), at));
  }
  for (const name of documented.filter((name) => !properties.some((property) => property.name === name))) {
    found.push(`${path}.${name}: documented, not in the type`);
  }
  return found;
}

describe('docs/asyncapi.yaml against the contract types', () => {
  for (const [direction, mapName, action] of [
    ['client → server', 'ClientToServerEvents', 'receive'],
    ['server → client', 'ServerToClientEvents', 'send'],
  ] as const) {
    describe(direction, () => {
      const typed = typedEvents(mapName);
      const documented = documentedEvents(action);

      it(`has an operation for exactly the events of ${mapName}`, () => {
        expect(typed.size).toBeGreaterThan(5);
        expect([...documented.keys()].sort()).toEqual([...typed.keys()].sort());
      });

      it('describes every payload and ack with the fields of its type', () => {
        const found = [...typed].flatMap(([event, { payload, ack }]) => {
          const doc = documented.get(event);
          if (doc === undefined) return [];
          const ackFound = ack === undefined ? [] : doc.ack === undefined ? [`${event}: ack not documented`] : differences(ack, doc.ack, `${event} ack data`);
          return [...differences(payload, doc.payload, event), ...ackFound];
        });
        expect(found).toEqual([]);
      });
    });
  }

  it('lists the contract error codes', () => {
    expect([...(resolveSchema({ $ref: '#/components/schemas/ErrorCode' }).enum ?? [])].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it('describes an ack failure with the fields of AckError', () => {
    const errorsTs = program.getSourceFile(join(__dirname, 'errors.ts'))!;
    const declaration = errorsTs.statements.find((node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === 'AckError')!;
    const documented = resolveSchema({ $ref: '#/components/schemas/AckError' });
    expect(differences(checker.getTypeAtLocation(declaration), documented, 'AckError')).toEqual([]);
  });
});
