/**
 * The case attributes of request and response bodies, derived from the one attribute table of the data
 * standard (ctdc/attributes.ts): one composed decorator per attribute kind, applied to every row. A new
 * row of the table is validated, documented and returned without an edit here.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsOptional,
  ValidateIf,
} from 'class-validator';
import { IsIsoDate, IsNotInFuture, IsOneOf } from '../../common/validators.js';
import {
  CASE_ATTRIBUTE_NAMES,
  CASE_ATTRIBUTES,
  DERIVED_ATTRIBUTE_NAMES,
  DERIVED_ATTRIBUTES,
  attributeSpec,
  type AttributeSpec,
  type AttributeValues,
  type CaseAttribute,
  type DerivedAttribute,
} from '../../ctdc/index.js';

/** `create`: required attributes must be present, optional ones take their default. `update`: all optional. */
export type BodyMode = 'create' | 'update';

/** Only checked when the key is present: `null` is then refused like any other wrong type. */
export const Present = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
/** Present and not null (null clears a nullable field). */
export const PresentNonNull = () =>
  ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);

/** Whether the key must be there, may be left out, and whether null is a value (a nullable attribute). */
function presence(spec: AttributeSpec, mode: BodyMode): PropertyDecorator {
  // An optional attribute left out takes its default; sent as null it is refused unless null is a value.
  if (mode === 'create') return spec.required ? IsDefined() : spec.nullable ? IsOptional() : Present();
  return spec.nullable ? PresentNonNull() : Present();
}

/** The value rule of one attribute kind. */
function valueRule(name: string, spec: AttributeSpec): PropertyDecorator[] {
  switch (spec.kind) {
    case 'date':
      return [IsIsoDate(), IsNotInFuture()];
    case 'code':
      return [IsOneOf(spec.codes)];
    case 'country':
      return [IsOneOf(spec.codes, { message: `${name} must be an ISO 3166-1 alpha-2 code or unknown` })];
    case 'multi':
      return [
        IsArray(),
        ArrayMaxSize(spec.codes.length),
        ArrayUnique(),
        IsOneOf(spec.codes, {
          each: true,
          message: `each value of ${name} must be one of: ${spec.codes.join(', ')}`,
        }),
      ];
    case 'boolean':
      return [IsBoolean()];
  }
}

/** The OpenAPI schema of one attribute kind (without required/optional). */
function schemaOf(spec: AttributeSpec, mode: BodyMode | 'view'): ApiPropertyOptions {
  const withDefault = mode === 'create' && 'default' in spec ? { default: spec.default } : {};
  const example = mode !== 'view' && spec.example !== undefined ? { example: spec.example } : {};
  switch (spec.kind) {
    case 'date':
      return { type: String, format: 'date', ...example };
    case 'code':
      return { enum: [...spec.codes], ...example };
    case 'country':
      return { type: String, description: 'ISO 3166-1 alpha-2 or unknown', ...withDefault, ...example };
    case 'multi':
      return {
        enum: [...spec.codes],
        isArray: true,
        ...(mode === 'view' ? {} : { uniqueItems: true }),
        ...withDefault,
      };
    case 'boolean':
      return { type: Boolean, nullable: true, description: 'null: not recorded' };
  }
}

/** The composed decorator of an attribute in a request body. */
export function AttributeInput(name: CaseAttribute, mode: BodyMode): PropertyDecorator {
  const spec = attributeSpec(name);
  const doc = schemaOf(spec, mode);
  return applyDecorators(
    mode === 'create' && spec.required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    presence(spec, mode),
    ...valueRule(name, spec),
  );
}

type AttributeBody<M extends BodyMode> = M extends 'create'
  ? {
      [
        A in CaseAttribute as (typeof CASE_ATTRIBUTES)[A]['required'] extends true ? A : never
      ]: AttributeValues[A];
    } & {
      [
        A in CaseAttribute as (typeof CASE_ATTRIBUTES)[A]['required'] extends true ? never : A
      ]?: AttributeValues[A];
    }
  : Partial<AttributeValues>;

/** A base class holding every attribute of the table, validated and documented for `mode`. */
export function CaseAttributesBody<M extends BodyMode>(mode: M): new () => AttributeBody<M> {
  class Attributes {}
  for (const name of CASE_ATTRIBUTE_NAMES) AttributeInput(name, mode)(Attributes.prototype, name);
  return Attributes as new () => AttributeBody<M>;
}

type AttributeView = Partial<AttributeValues> & {
  ageBroad?: string;
  majorityStatus?: string;
  yearOfRegistration?: number;
};

/** A base class documenting every attribute and derived attribute of a case view (all optional: role-dependent). */
export function CaseAttributesView(): new () => AttributeView {
  class AttributesView {}
  for (const name of CASE_ATTRIBUTE_NAMES) {
    ApiPropertyOptional(schemaOf(attributeSpec(name), 'view'))(AttributesView.prototype, name);
  }
  for (const name of DERIVED_ATTRIBUTE_NAMES)
    ApiPropertyOptional(derivedSchema(name))(AttributesView.prototype, name);
  return AttributesView as new () => AttributeView;
}

function derivedSchema(name: DerivedAttribute): ApiPropertyOptions {
  const spec: { kind: 'code' | 'year'; codes?: readonly string[] } = DERIVED_ATTRIBUTES[name];
  return spec.kind === 'year' ? { type: Number } : { enum: [...(spec.codes ?? [])] };
}
