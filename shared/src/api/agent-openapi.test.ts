import { compileErrors, validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { describe, expect, it } from "vitest";
import { agentOpenApi } from "./agent-openapi.ts";
import { SaleRecordedSchema } from "./agent-sales.ts";

describe("the agent's OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    // validate() dereferences in place: give it a copy.
    const doc = structuredClone(agentOpenApi()) as unknown as OpenAPIV3_1.Document;
    const result = await validate(doc);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.specification).toBe("OpenAPI");
    expect(result.warnings).toEqual([]);
  });

  it("is generated from the shared schemas, as JSON Schema 2020-12", () => {
    const doc = agentOpenApi() as { openapi: string; components: { schemas: Record<string, Record<string, unknown>> } };
    expect(doc.openapi).toBe("3.1.0");
    const sale = doc.components.schemas.SaleRecorded as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(sale.properties).sort()).toEqual(Object.keys(SaleRecordedSchema.shape).sort());
    expect(sale.required.sort()).toEqual(["eventId", "seq", "tenders", "totals", "transactionId"]);
    // A request is documented as what may be sent (input): a tender's `offline` may be left out.
    const request = JSON.stringify(doc.components.schemas.SaleRequest);
    expect(request).toContain("cashierId");
    for (const schema of Object.values(doc.components.schemas)) expect(schema.$schema).toBeUndefined();
  });

  it("documents every request body and every answer with a $ref the document defines", () => {
    const text = JSON.stringify(agentOpenApi());
    const doc = JSON.parse(text) as { components: { schemas: Record<string, unknown> } };
    const refs = [...text.matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs) expect(Object.keys(doc.components.schemas)).toContain(name);
    for (const name of Object.keys(doc.components.schemas)) expect(refs).toContain(name);
  });
});
