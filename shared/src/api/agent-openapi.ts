import { ExchangeRecordedSchema } from "./agent-exchanges.ts";
import { ManagerSessionSchema, ManagerSignedOutSchema, ManagerSignInSchema } from "./agent-manager.ts";
import { DeadLetterRetriedSchema, QueueStatusSchema } from "./agent-queue.ts";
import { ExchangeBodySchema, ReturnBodySchema, SaleBodySchema } from "./agent-requests.ts";
import { ReturnRecordedSchema } from "./agent-returns.ts";
import { SaleRecordedSchema } from "./agent-sales.ts";
import { InquiryRequestSchema, SealedSchema, SealRequestSchema, VoidedSchema, VoidRequestSchema } from "./agent-stored-value.ts";
import { AgentHealthSchema, SyncNowSchema, SyncPausedSchema } from "./agent-sync-controls.ts";
import { ReceiptViewSchema } from "./agent-transactions.ts";
import { ErrorBodySchema } from "./error-body.ts";
import { componentSchemas, errorResponses, jsonContent, pathParam, schemaRef } from "./openapi-helpers.ts";
import { StoredValueBalanceSchema } from "./region-stored-value.ts";

/** Every body the agent sends or reads, by the name the document gives it (components.schemas). */
const RESPONSES = {
  ErrorBody: ErrorBodySchema,
  SaleRecorded: SaleRecordedSchema,
  ReturnRecorded: ReturnRecordedSchema,
  ExchangeRecorded: ExchangeRecordedSchema,
  ReceiptView: ReceiptViewSchema,
  QueueStatus: QueueStatusSchema,
  ManagerSession: ManagerSessionSchema,
  ManagerSignedOut: ManagerSignedOutSchema,
  SyncPaused: SyncPausedSchema,
  SyncNow: SyncNowSchema,
  DeadLetterRetried: DeadLetterRetriedSchema,
  AgentHealth: AgentHealthSchema,
  Sealed: SealedSchema,
  StoredValueBalance: StoredValueBalanceSchema,
} as const;
const REQUESTS = {
  SaleRequest: SaleBodySchema,
  ReturnRequest: ReturnBodySchema,
  ExchangeRequest: ExchangeBodySchema,
  ManagerSignIn: ManagerSignInSchema,
  SealRequest: SealRequestSchema,
  InquiryRequest: InquiryRequestSchema,
  VoidRequest: VoidRequestSchema,
  Voided: VoidedSchema,
} as const;
type SchemaName = keyof typeof RESPONSES | keyof typeof REQUESTS;

const ref = (name: SchemaName) => schemaRef(name);
const ERROR_TEXT: Record<number, string> = {
  400: "The request is malformed (invalid_json, invalid_request with `issues`, invalid_idempotency_key …).",
  401: "A manager has to sign in first (manager_required), or the id and PIN were not recognised.",
  403: "Refused as a possible forgery: another site's Origin, or not JSON (foreign_origin, json_required).",
  404: "Nothing is known here by that name.",
  409: "The register cannot do this now (idempotency_conflict, sync_off, no_managers).",
  413: "The body is larger than the agent takes (body_too_large).",
  421: "The request names another Host than this agent's own (wrong_host).",
  422: "The register refuses the transaction (pan_detected, tenders_short, over_return, offline_card_limit …), some with `details`.",
  423: "This manager is locked out for a while after wrong PINs (manager_locked, `details.lockedUntil`).",
  500: "The agent hit an unexpected error; nothing was recorded.",
  503: "The register's storage is full or failing; nothing was recorded (storage_full, storage_unavailable).",
};
const errors = (...statuses: number[]) => errorResponses(ERROR_TEXT, "ErrorBody", [...statuses, 421]);
const ok = (description: string, name: SchemaName, status = "200") => ({
  [status]: { description, content: jsonContent(ref(name)) },
});
const body = (name: SchemaName) => ({ required: true, content: jsonContent(ref(name)) });
const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "1 to 200 visible ASCII characters; a retry with the same key and body answers the first answer again (200).",
  schema: { type: "string", minLength: 1, maxLength: 200 },
};
const manager = [{ managerSession: [] }];
/** A transaction route: 201 recorded, 200 replayed from its Idempotency-Key. */
const recording = (operationId: string, summary: string, request: SchemaName, answer: SchemaName) => ({
  post: {
    operationId,
    summary,
    description: "A signed-in manager's cookie approves offline card tenders past the register's limits.",
    parameters: [idempotencyKey],
    requestBody: body(request),
    responses: {
      ...ok("Recorded.", answer, "201"),
      ...ok("The first answer to this Idempotency-Key, replayed.", answer),
      ...errors(400, 403, 409, 413, 422, 503),
    },
  },
});

/**
 * The register agent's HTTP API (on 127.0.0.1) as an OpenAPI 3.1 document, generated from the
 * shared zod schemas the agent's contract test checks its answers against. Served at `GET /openapi.json`.
 */
export function agentOpenApi(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Tenderline register agent API",
      version: "1",
      description:
        "The register's local agent: sales, returns and exchanges recorded offline-first, receipts, the sync queue, manager sessions and sync controls. Every request must name the agent's own Host; a state-changing one must be JSON from no Origin or the agent's own. Every error answers `{ error, message }`.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "http://127.0.0.1:7420" }],
    paths: {
      "/api/v1/sales": recording("recordSale", "Record a checkout: lines and tenders.", "SaleRequest", "SaleRecorded"),
      "/api/v1/returns": recording(
        "recordReturn",
        "Record a return; the refund is allocated to the original tenders.",
        "ReturnRequest",
        "ReturnRecorded",
      ),
      "/api/v1/exchanges": recording(
        "recordExchange",
        "A return plus a new sale, netted.",
        "ExchangeRequest",
        "ExchangeRecorded",
      ),
      "/api/v1/transactions/{id}": {
        get: {
          operationId: "transaction",
          summary: "A receipt, with what is still returnable and refundable; works offline.",
          parameters: [pathParam("id")],
          responses: { ...ok("The receipt.", "ReceiptView"), ...errors(404) },
        },
      },
      "/api/v1/stored-value/seal": {
        post: {
          operationId: "sealStoredValueNumber",
          summary:
            "Seals a gift card or store credit number for the regions (the one request that carries a number; it is never kept or logged). A payment card number outside the gift card ranges is refused.",
          requestBody: body("SealRequest"),
          responses: { ...ok("Sealed.", "Sealed"), ...errors(400, 403, 409, 422) },
        },
      },
      "/api/v1/stored-value/inquiry": {
        post: {
          operationId: "storedValueInquiry",
          summary: "A gift card's or store credit's balance, from the region (503 region_unavailable when none answers).",
          requestBody: body("InquiryRequest"),
          responses: { ...ok("The balance.", "StoredValueBalance"), ...errors(400, 403, 404, 409, 503) },
        },
      },
      "/api/v1/stored-value/void": {
        post: {
          ...recording(
            "voidStoredValue",
            "A manager voids a gift card or store credit: its whole balance is held at the region, then recorded as stored_value.voided (403 manager_required without a manager, 503 region_unavailable offline).",
            "VoidRequest",
            "Voided",
          ).post,
          description: "Needs a signed-in manager's cookie; the manager's id is recorded with the void.",
          security: manager,
        },
      },
      "/api/v1/queue": {
        get: {
          operationId: "queue",
          summary: "The sync queue: counts, oldest age, dead letters, gaps, and the sync engine's status.",
          responses: { ...ok("The queue.", "QueueStatus"), ...errors() },
        },
      },
      "/api/v1/manager/session": {
        post: {
          operationId: "managerSignIn",
          summary: "A manager signs in; the session rides an HttpOnly, SameSite=Strict cookie.",
          requestBody: body("ManagerSignIn"),
          responses: { ...ok("Signed in.", "ManagerSession", "201"), ...errors(400, 401, 403, 409, 423) },
        },
        get: {
          operationId: "managerSession",
          summary: "The manager signed in on this cookie.",
          security: manager,
          responses: { ...ok("Signed in.", "ManagerSession"), ...errors(401) },
        },
        delete: {
          operationId: "managerSignOut",
          summary: "Signs the manager of this cookie out.",
          responses: { ...ok("Signed out (also when nobody was).", "ManagerSignedOut"), ...errors(403) },
        },
      },
      "/api/v1/sync/pause": {
        post: {
          operationId: "pauseSync",
          summary: "Hold sales on the register, away from the cloud (a manager's call).",
          security: manager,
          responses: { ...ok("Paused.", "SyncPaused"), ...errors(401, 403, 409) },
        },
      },
      "/api/v1/sync/resume": {
        post: {
          operationId: "resumeSync",
          summary: "Resume sync (a manager's call).",
          security: manager,
          responses: { ...ok("Resumed.", "SyncPaused"), ...errors(401, 403, 409) },
        },
      },
      "/api/v1/sync/now": {
        post: {
          operationId: "syncNow",
          summary: "Sync now, lifting a pause (a manager's call).",
          security: manager,
          responses: { ...ok("Asked for.", "SyncNow"), ...errors(401, 403, 409) },
        },
      },
      "/screens/api/dead-letters/{seq}/retry": {
        post: {
          operationId: "retryDeadLetter",
          summary: "Send an event the cloud refused again (a manager's call).",
          security: manager,
          parameters: [pathParam("seq", { type: "integer", minimum: 1 })],
          responses: { ...ok("Pending again.", "DeadLetterRetried"), ...errors(400, 401, 403, 404) },
        },
      },
      "/api/v1/health": {
        get: {
          operationId: "health",
          summary: "Whether the agent answers.",
          responses: { ...ok("Up.", "AgentHealth"), ...errors() },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openApi",
          summary: "This document.",
          responses: {
            "200": { description: "The agent API as OpenAPI 3.1.", content: jsonContent({ type: "object" }) },
            ...errors(),
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(RESPONSES, REQUESTS),
      securitySchemes: {
        managerSession: {
          type: "apiKey",
          in: "cookie",
          name: "tl_manager",
          description: "Set by POST /api/v1/manager/session.",
        },
      },
    },
  };
}
