// Checking proto3 JSON (as parsed from a YAML or JSON bootstrap) against a message schema
// before decoding it, so that every problem names its field by path —
// `static_resources.clusters[0].connect_timeout: expected google.protobuf.Duration, got "1x"`
// — where protobuf-es would stop at the first one and name only a type. It also applies a
// support policy: which fields of a message the proxy honours, which it ignores with a
// warning, and (by omission) which it refuses.
//
// The output is a copy of the input without the ignored and empty refused fields, ready
// for `fromJson`. Pure: no I/O, no logging.
import { fromJson, ScalarType, toBinary, type DescField, type DescMessage, type JsonObject, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';

/** What the proxy does with the fields of one message (and, through `fields`, below it). */
export interface SupportPolicy {
  /** Fields honoured, by proto name, each with the policy for its value; absent: all are. */
  readonly fields?: Readonly<Record<string, SupportPolicy>>;
  /** Fields accepted but not acted on, by proto name, with the reason given in the warning. */
  readonly ignored?: Readonly<Record<string, string>>;
}

/** No restriction: every field of the message and below it is honoured. */
export const HONOURED: SupportPolicy = {};

export interface ProtoJsonCheck {
  /** The input minus ignored fields and refused fields left at their defaults. */
  value: JsonValue;
  errors: string[];
  warnings: string[];
}

/** Checks `json` against `schema`; every error is `path: problem`. */
export function checkProtoJson(schema: DescMessage, json: unknown, registry: Registry, policy: SupportPolicy = HONOURED): ProtoJsonCheck {
  const walker = new Walker(registry);
  const value = walker.message(schema, json, '', policy) ?? {};
  return { value, errors: walker.errors, warnings: walker.warnings };
}

const HTTP_FILTER = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';

class Walker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly registry: Registry) {}

  private error(path: string, message: string): void {
    this.errors.push(path ? `${path}: ${message}` : message);
  }

  /** A message in JSON object form; undefined if it is not an object. */
  message(schema: DescMessage, json: unknown, path: string, policy: SupportPolicy): JsonObject | undefined {
    if (!isObject(json)) {
      this.error(path, `expected an object (${schema.typeName}), got ${kindOf(json)}`);
      return undefined;
    }
    const byKey = fieldIndex(schema);
    const out: JsonObject = {};
    const seen = new Map<DescField, string>();
    const oneofs = new Map<string, string>();
    for (const [key, value] of Object.entries(json)) {
      const field = byKey.get(key);
      if (!field) {
        this.error(join(path, key), `unknown field (not in ${schema.typeName})`);
        continue;
      }
      const at = join(path, field.name);
      const twice = seen.get(field);
      if (twice !== undefined) {
        this.error(at, `set twice (as "${twice}" and "${key}")`);
        continue;
      }
      seen.set(field, key);

      const ignored = policy.ignored?.[field.name];
      if (ignored !== undefined) {
        if (!this.isDefault(schema, field, key, value)) this.warnings.push(`${at}: ignored (${ignored})`);
        continue;
      }
      if (policy.fields && !(field.name in policy.fields)) {
        if (!this.isDefault(schema, field, key, value)) this.error(at, 'not supported');
        continue;
      }
      if (value === null && !(field.fieldKind === 'message' && field.message.typeName === 'google.protobuf.Value')) continue;
      if (field.oneof) {
        const other = oneofs.get(field.oneof.name);
        if (other !== undefined) {
          this.error(at, `cannot be set with ${other} (one of ${field.oneof.fields.map((f) => f.name).join(', ')})`);
          continue;
        }
        oneofs.set(field.oneof.name, field.name);
      }
      const checked = this.field(schema, field, key, value, at, policy.fields?.[field.name] ?? HONOURED, json, path);
      if (checked !== undefined) out[key] = checked;
    }
    return out;
  }

  private field(
    schema: DescMessage,
    field: DescField,
    key: string,
    value: JsonValue,
    at: string,
    policy: SupportPolicy,
    parent: JsonObject,
    parentPath: string,
  ): JsonValue | undefined {
    switch (field.fieldKind) {
      case 'message':
        if (field.message.typeName === AnySchema.typeName) return this.any(value, at, extensionOf(schema, field, parent, parentPath));
        if (isOpaque(field.message)) return this.scalar(schema, field, key, value, at);
        return this.message(field.message, value, at, policy);
      case 'list': {
        if (field.listKind !== 'message' || isOpaque(field.message)) return this.scalar(schema, field, key, value, at);
        if (!Array.isArray(value)) return void this.error(at, `expected a list of ${field.message.typeName}, got ${kindOf(value)}`);
        const desc = field.message;
        return value.map((v, i) => (desc.typeName === AnySchema.typeName ? this.any(v, `${at}[${i}]`, undefined) : this.message(desc, v, `${at}[${i}]`, policy)) ?? null);
      }
      case 'map': {
        if (field.mapKind !== 'message' || isOpaque(field.message)) return this.scalar(schema, field, key, value, at);
        if (!isObject(value)) return void this.error(at, `expected a map of ${field.message.typeName}, got ${kindOf(value)}`);
        const desc = field.message;
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value)) {
          const checked = desc.typeName === AnySchema.typeName ? this.any(v, `${at}["${k}"]`, undefined) : this.message(desc, v, `${at}["${k}"]`, policy);
          if (checked !== undefined) out[k] = checked;
        }
        return out;
      }
      default:
        return this.scalar(schema, field, key, value, at);
    }
  }

  /**
   * True if the value decodes to the field's default, so that leaving it out changes
   * nothing (`cluster_manager: {}`, `enable_dispatcher_stats: false`). A value that does not
   * decode is not a default.
   */
  private isDefault(schema: DescMessage, field: DescField, key: string, value: JsonValue): boolean {
    if (value === null) return true;
    try {
      if (field.fieldKind === 'message' && !isOpaque(field.message) && field.message.typeName !== AnySchema.typeName) {
        return toBinary(field.message, fromJson(field.message, value, { registry: this.registry })).length === 0;
      }
      return toBinary(schema, fromJson(schema, { [key]: value }, { registry: this.registry })).length === 0;
    } catch {
      return false;
    }
  }

  /** Scalars, enums and well-known types with their own JSON form: decoded alone, in their message. */
  private scalar(schema: DescMessage, field: DescField, key: string, value: JsonValue, at: string): JsonValue | undefined {
    try {
      fromJson(schema, { [key]: value }, { registry: this.registry });
      return value;
    } catch {
      this.error(at, describeBadValue(field, value));
      return undefined;
    }
  }

  /**
   * A `google.protobuf.Any` in JSON form (`{"@type": "type.googleapis.com/x.Y", ...}`). A type
   * the proxy does not know is refused, named by its extension's `name` when it has one;
   * an optional HTTP filter of an unknown type is dropped with a warning, as Envoy skips it.
   */
  private any(json: unknown, at: string, ext: Extension | undefined): JsonValue | undefined {
    if (!isObject(json) || typeof json['@type'] !== 'string') {
      this.error(at, `expected an Any: an object with an "@type", got ${kindOf(json)}`);
      return undefined;
    }
    const url = json['@type'];
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    const desc = this.registry.getMessage(typeName);
    if (!desc) {
      if (!ext) this.error(at, `type ${typeName} is not supported`);
      else if (ext.optional) this.warnings.push(`${ext.path}: optional filter ${ext.name} skipped (type ${typeName} is not supported)`);
      else this.error(ext.path, `${ext.name} is not supported (type ${typeName})`);
      return undefined;
    }
    if (isOpaque(desc)) {
      try {
        fromJson(AnySchema, json, { registry: this.registry });
        return json;
      } catch {
        this.error(at, `expected ${typeName} in "value", got ${kindOf(json.value)}`);
        return undefined;
      }
    }
    const { '@type': _type, ...fields } = json;
    const checked = this.message(desc, fields, at, HONOURED);
    return checked && { '@type': url, ...checked };
  }
}

/** The extension an Any belongs to: `typed_config` beside a `name` (filters, transport sockets). */
interface Extension {
  name: string;
  /** The path of the message holding the name and the Any. */
  path: string;
  optional: boolean;
}

function extensionOf(schema: DescMessage, field: DescField, parent: JsonObject, path: string): Extension | undefined {
  const name = parent.name;
  if (field.name !== 'typed_config' || typeof name !== 'string' || name === '') return undefined;
  const optional = schema.typeName === HTTP_FILTER && (parent.is_optional === true || parent.isOptional === true);
  return { name, path, optional };
}

const fieldIndexes = new WeakMap<DescMessage, Map<string, DescField>>();

function fieldIndex(schema: DescMessage): Map<string, DescField> {
  let index = fieldIndexes.get(schema);
  if (!index) {
    index = new Map();
    for (const f of schema.fields) {
      index.set(f.name, f);
      index.set(f.jsonName, f);
    }
    fieldIndexes.set(schema, index);
  }
  return index;
}

/** Well-known types with a JSON form of their own (Duration as "1s", Struct as any object...). */
function isOpaque(desc: DescMessage): boolean {
  return desc.typeName.startsWith('google.protobuf.') && desc.typeName !== AnySchema.typeName;
}

function describeBadValue(field: DescField, value: JsonValue): string {
  const got = preview(value);
  if (field.fieldKind === 'enum') return `${got} is not a value of ${field.enum.typeName} (${field.enum.values.map((v) => v.name).join(', ')})`;
  return `expected ${typeLabel(field)}, got ${got}`;
}

function typeLabel(field: DescField): string {
  const elem = (f: { scalar?: ScalarType; message?: DescMessage; enum?: { typeName: string } }): string =>
    f.message?.typeName ?? f.enum?.typeName ?? (f.scalar !== undefined ? ScalarType[f.scalar]!.toLowerCase() : 'value');
  switch (field.fieldKind) {
    case 'list':
      return `a list of ${elem(field)}`;
    case 'map':
      return `a map of ${elem(field)}`;
    default:
      return elem(field);
  }
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return preview(v);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
