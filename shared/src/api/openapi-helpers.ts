import { z } from "zod";

/** OpenAPI 3.1 schema objects are JSON Schema 2020-12; the document states the dialect once, not per schema. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io }) as Record<string, unknown>;
  return rest;
}

/** components.schemas: what is sent back as output JSON Schema, what is read as input JSON Schema. */
export function componentSchemas(
  responses: Record<string, z.ZodType>,
  requests: Record<string, z.ZodType>,
): Record<string, Record<string, unknown>> {
  return Object.fromEntries([
    ...Object.entries(responses).map(([name, s]) => [name, jsonSchema(s, "output")] as const),
    ...Object.entries(requests).map(([name, s]) => [name, jsonSchema(s, "input")] as const),
  ]);
}

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const jsonContent = (schema: object) => ({ "application/json": { schema } });
export const queryParam = (name: string, description: string, schema: object = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});
export const pathParam = (name: string, schema: object = { type: "string" }) => ({
  name,
  in: "path",
  required: true,
  schema,
});

/** Error answers for these statuses (and 500), each described by `text` and answering the named error body. */
export function errorResponses(
  text: Record<number, string>,
  errorBody: string,
  statuses: readonly number[],
): Record<string, { description: string | undefined; content: ReturnType<typeof jsonContent> }> {
  return Object.fromEntries(
    [...statuses, 500].map((s) => [String(s), { description: text[s], content: jsonContent(schemaRef(errorBody)) }]),
  );
}
