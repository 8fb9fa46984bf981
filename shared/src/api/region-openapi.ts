import {
  CredentialChangesSchema,
  CredentialListSchema,
  IssueCredentialRequestSchema,
  IssuedCredentialSchema,
  RevokedCredentialSchema,
  RotateCredentialRequestSchema,
  RotatedCredentialSchema,
  StoreRevocationSchema,
} from "../credentials/credential-wire.ts";
import { ErrorBodySchema } from "./error-body.ts";
import { componentSchemas, errorResponses, jsonContent, pathParam, queryParam, schemaRef } from "./openapi-helpers.ts";
import { JobsResponseSchema, ReplicateResponseSchema } from "./region-admin.ts";
import { BatchResponseSchema, EventBatchSchema, RegisterStatusSchema } from "./region-api.ts";
import { DigestSchema } from "./region-digest.ts";
import { ExceptionListSchema } from "./region-exceptions.ts";
import { FeedResponseSchema } from "./region-feed.ts";
import { HealthResponseSchema, OperatorHealthSchema } from "./region-health.ts";
import {
  ReservationRequestSchema,
  ReservationSchema,
  ReturnOriginalSchema,
  UnverifiedReturnListSchema,
} from "./region-returns.ts";
import {
  StoredValueAccountSchema,
  StoredValueBalanceSchema,
  StoredValueBalancesSchema,
  StoredValueHoldRequestSchema,
  StoredValueHoldSchema,
  StoredValueInquirySchema,
} from "./region-stored-value.ts";
import { LogPageSchema, PeerCursorSchema } from "./replication-log.ts";

/** Every body the region sends or reads, by the name the document gives it (components.schemas). */
const RESPONSES = {
  ErrorBody: ErrorBodySchema,
  Health: HealthResponseSchema,
  OperatorHealth: OperatorHealthSchema,
  BatchResponse: BatchResponseSchema,
  RegisterStatus: RegisterStatusSchema,
  FeedResponse: FeedResponseSchema,
  Digest: DigestSchema,
  ExceptionList: ExceptionListSchema,
  ReplicateResponse: ReplicateResponseSchema,
  JobsResponse: JobsResponseSchema,
  LogPage: LogPageSchema,
  PeerCursor: PeerCursorSchema,
  IssuedCredential: IssuedCredentialSchema,
  RotatedCredential: RotatedCredentialSchema,
  CredentialList: CredentialListSchema,
  RevokedCredential: RevokedCredentialSchema,
  StoreRevocation: StoreRevocationSchema,
  CredentialChanges: CredentialChangesSchema,
  ReturnOriginal: ReturnOriginalSchema,
  Reservation: ReservationSchema,
  UnverifiedReturnList: UnverifiedReturnListSchema,
  StoredValueHold: StoredValueHoldSchema,
  StoredValueBalance: StoredValueBalanceSchema,
  StoredValueAccount: StoredValueAccountSchema,
  StoredValueBalances: StoredValueBalancesSchema,
} as const;
const REQUESTS = {
  EventBatch: EventBatchSchema,
  IssueCredentialRequest: IssueCredentialRequestSchema,
  RotateCredentialRequest: RotateCredentialRequestSchema,
  ReservationRequest: ReservationRequestSchema,
  StoredValueHoldRequest: StoredValueHoldRequestSchema,
  StoredValueInquiry: StoredValueInquirySchema,
} as const;
type SchemaName = keyof typeof RESPONSES | keyof typeof REQUESTS;

const ref = (name: SchemaName) => schemaRef(name);
const json = jsonContent;
const ERROR_TEXT: Record<number, string> = {
  400: "The request is malformed (invalid_json, invalid_batch, invalid_query …).",
  401: "No credential, or one the region does not accept.",
  403: "The credential may not do this (forbidden, wrong_store, wrong_register …).",
  404: "Nothing is known here by that name.",
  409: "The region cannot do this (cannot_issue: it holds no issuer key; already_returned: the units or amounts are gone; reservation_conflict; insufficient_balance: details.available; hold_conflict; account_void; log_epoch_changed: a peer's cursor is from an earlier history of this log, re-scan from 0 under details.epoch; feed_cursor_stale: the log was rewound since the cursor was read, resume from details.resumeCursor).",
  413: "The body is larger than the region takes.",
  422: "The request names what is not there (not_on_original), mixes currencies (currency_mismatch) or sends a sealed number this region cannot open (sealed_number_unreadable).",
  500: "The region could not complete the request; retry it.",
  503: "The region cannot do this now (stored_value_unavailable: it holds no stored-value keys).",
};
const errors = (...statuses: number[]) => errorResponses(ERROR_TEXT, "ErrorBody", statuses);
const ok = (description: string, name: SchemaName, status = "200") => ({ [status]: { description, content: json(ref(name)) } });
const query = queryParam;
const path = (name: string) => pathParam(name);
const count = { type: "integer", minimum: 0 };
const body = (name: SchemaName) => ({ required: true, content: json(ref(name)) });
/** Who may call a route: the kinds of credential it takes. */
const by = (...kinds: string[]) => `Credentials: ${kinds.join(", ")}.`;

/**
 * The region's HTTP API as an OpenAPI 3.1 document, generated from the shared zod schemas (the
 * ones cloud-sync's tests check the region's answers against). Served at `GET /openapi.json`.
 */
export function regionOpenApi(): Record<string, unknown> {
  const schemas = componentSchemas(RESPONSES, REQUESTS);
  return {
    openapi: "3.1.0",
    info: {
      title: "Tenderline region API",
      version: "1",
      description:
        "A cloud region: registers' event batches, the consumer feed, replication between regions, exceptions and the operator's credential commands. Every error answers `{ error, message }`.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    security: [{ bearer: [] }],
    paths: {
      "/v1/health": {
        get: {
          operationId: "health",
          summary: "Whether the region is up; an admin or region credential also sees the details.",
          security: [{}, { bearer: [] }],
          responses: {
            "200": { description: "Up.", content: json({ anyOf: [ref("OperatorHealth"), ref("Health")] }) },
            "503": {
              description: "The database is unreachable.",
              content: json({ anyOf: [ref("OperatorHealth"), ref("Health")] }),
            },
            ...errors(),
          },
        },
      },
      "/v1/events/batch": {
        post: {
          operationId: "postBatch",
          summary: "A register's events; each is accepted, acknowledged as a duplicate or rejected on its own.",
          description: by("store", "register (its own register only)"),
          requestBody: body("EventBatch"),
          responses: {
            ...ok("One result per event and the register's watermark.", "BatchResponse"),
            ...errors(400, 401, 403, 413),
          },
        },
      },
      "/v1/stores/{storeId}/registers/{registerId}": {
        get: {
          operationId: "registerStatus",
          summary: "What the region holds of one register.",
          description: by("store (its own)", "register (itself)", "admin"),
          parameters: [path("storeId"), path("registerId")],
          responses: { ...ok("The register's watermark.", "RegisterStatus"), ...errors(401, 403, 404) },
        },
      },
      "/v1/feed": {
        get: {
          operationId: "feed",
          summary:
            "Records in the region's ingest order after a cursor. Resume protocol: on 409 feed_cursor_stale (the log was rewound since the cursor was read) go on from details.resumeCursor; items that may repeat carry mayRepeat: true, and event ids tell repeats apart.",
          description: by("consumer", "admin"),
          parameters: [
            query("after", "Continue after this cursor: an item's cursor or nextCursor (`epoch.pos.check`), or 0 (default).", {
              type: "string",
            }),
            query("limit", "At most this many items (1-1000, default 100).", { type: "integer", minimum: 1, maximum: 1000 }),
          ],
          responses: { ...ok("A page of the feed.", "FeedResponse"), ...errors(400, 401, 403, 409) },
        },
      },
      "/v1/digest": {
        get: {
          operationId: "digest",
          summary: "Counts and hashes of what the region holds, to compare regions.",
          description: by("admin", "consumer", "region", "store (its own store)", "register (its store)"),
          responses: { ...ok("The digest.", "Digest"), ...errors(401, 403) },
        },
      },
      "/v1/exceptions": {
        get: {
          operationId: "exceptions",
          summary: "Problems the region found, oldest first.",
          description: by("admin", "consumer", "store (its own store)", "register (its store)"),
          parameters: [
            query("state", "open (default), resolved or all.", { type: "string", enum: ["open", "resolved", "all"] }),
            query("kind", "Only this kind."),
            query("storeId", "Only this store."),
            query("minAgeSeconds", "Raised at least this many seconds ago.", count),
            query("maxAgeSeconds", "Raised at most this many seconds ago.", count),
            query("limit", "At most this many (1-1000, default 1000).", { type: "integer", minimum: 1, maximum: 1000 }),
          ],
          responses: { ...ok("The exceptions.", "ExceptionList"), ...errors(400, 401, 403) },
        },
      },
      "/v1/replication/log": {
        get: {
          operationId: "replicationLog",
          summary: "A page of the region's log for a peer to pull.",
          description: by("region"),
          parameters: [
            query("after", "Continue after this position (default 0).", count),
            query("limit", "At most this many records (1-1000, default 500).", { type: "integer", minimum: 1, maximum: 1000 }),
            query("epoch", "The epoch the cursor was read in (the last page's epoch).", { type: "string" }),
            query("afterRecord", "The record id at `after` (the last page's cursorRecord): a rewound log is found out by it.", {
              type: "string",
            }),
            query("includeOwn", "1 while healing: send the records that came from the puller too.", {
              type: "string",
              enum: ["0", "1"],
            }),
          ],
          responses: { ...ok("A page of the log.", "LogPage"), ...errors(400, 401, 403, 409) },
        },
      },
      "/v1/replication/cursor": {
        get: {
          operationId: "replicationCursor",
          summary:
            "How far this region has read the caller's log (asked at the caller's start, to find out whether its log was rewound).",
          description: by("region"),
          responses: { ...ok("The caller's cursor here.", "PeerCursor"), ...errors(401, 403) },
        },
      },
      "/v1/replication/credentials": {
        get: {
          operationId: "replicationCredentials",
          summary: "Credential records and store cutoffs changed after a cursor.",
          description: by("region"),
          parameters: [
            query("after", "Continue after this cursor (default 0).", count),
            query("limit", "At most this many (1-1000, default 1000).", { type: "integer", minimum: 1, maximum: 1000 }),
          ],
          responses: { ...ok("The changes.", "CredentialChanges"), ...errors(400, 401, 403) },
        },
      },
      "/v1/admin/replicate": {
        post: {
          operationId: "replicateNow",
          summary: "Pull every peer now.",
          description: by("admin"),
          responses: { ...ok("One summary per peer.", "ReplicateResponse"), ...errors(401, 403) },
        },
      },
      "/v1/admin/jobs": {
        post: {
          operationId: "runJobs",
          summary: "Run indexing, reconciliation, refund checks and anomaly rules once now.",
          description: by("admin"),
          responses: { ...ok("What the run did.", "JobsResponse"), ...errors(401, 403) },
        },
      },
      "/v1/admin/credentials": {
        post: {
          operationId: "issueCredential",
          summary: "Issue a credential; its secret is in this answer only.",
          description: by("admin"),
          requestBody: body("IssueCredentialRequest"),
          responses: { ...ok("The new credential.", "IssuedCredential", "201"), ...errors(400, 401, 403, 409) },
        },
        get: {
          operationId: "listCredentials",
          summary: "The records of credentials (live ones unless all=true).",
          description: by("admin"),
          parameters: [
            query("kind", "Only this kind.", { type: "string", enum: ["register", "store", "consumer", "admin", "region"] }),
            query("storeId", "Only this store."),
            query("registerId", "Only this register."),
            query("all", "Include revoked and expired ones.", { type: "string", enum: ["true", "false"] }),
          ],
          responses: { ...ok("The records.", "CredentialList"), ...errors(400, 401, 403) },
        },
      },
      "/v1/admin/credentials/{id}/revoke": {
        post: {
          operationId: "revokeCredential",
          summary: "Revoke one credential.",
          description: by("admin"),
          parameters: [path("id")],
          responses: { ...ok("Its record, revoked.", "RevokedCredential"), ...errors(401, 403, 404) },
        },
      },
      "/v1/admin/credentials/{id}/rotate": {
        post: {
          operationId: "rotateCredential",
          summary: "Issue a successor; the old credential keeps working for overlapSeconds.",
          description: by("admin"),
          parameters: [path("id")],
          requestBody: body("RotateCredentialRequest"),
          responses: {
            ...ok("The new credential and the old one's record.", "RotatedCredential", "201"),
            ...errors(400, 401, 403, 404, 409),
          },
        },
      },
      "/v1/admin/stores/{storeId}/revoke-credentials": {
        post: {
          operationId: "revokeStoreCredentials",
          summary: "Refuse every credential of a store issued before now.",
          description: by("admin"),
          parameters: [path("storeId")],
          responses: { ...ok("The store's cutoff.", "StoreRevocation"), ...errors(401, 403) },
        },
      },
      "/v1/returns/originals/{ref}": {
        get: {
          operationId: "returnOriginal",
          summary:
            "An original sale, exchange or online order by receipt number (any case) or transaction id, from this region's merged ledger: lines with what is still returnable, tenders (masked) with what is still refundable.",
          description: by("register (of any store)", "store", "admin"),
          parameters: [path("ref")],
          responses: { ...ok("The original.", "ReturnOriginal"), ...errors(400, 401, 403, 404) },
        },
      },
      "/v1/returns/reservations": {
        post: {
          operationId: "reserveReturn",
          summary:
            "Hold units and refund amounts of originals for a return about to be recorded, keyed by its event id; all or nothing. Ends when the return reaches the ledger, is released, or at expiresAt.",
          description: by("register (its own store and register in the body)"),
          requestBody: body("ReservationRequest"),
          responses: {
            ...ok("Held now.", "Reservation", "201"),
            ...ok("The same reservation, asked again.", "Reservation"),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      "/v1/returns/reservations/{returnEventId}": {
        delete: {
          operationId: "releaseReturn",
          summary: "Release a reservation: the return was not recorded.",
          description: by("register (the one holding it)"),
          parameters: [path("returnEventId")],
          responses: { "204": { description: "Released." }, ...errors(401, 403, 404) },
        },
      },
      "/v1/stores/{storeId}/unverified-returns": {
        get: {
          operationId: "unverifiedReturns",
          summary:
            "A store's returns refunded to store credit without their original, and what the cloud's verification made of them.",
          description: by("store (its own)", "register (its store)", "admin"),
          parameters: [
            path("storeId"),
            query("status", "Only this status.", { type: "string", enum: ["waiting", "verified", "mismatch"] }),
          ],
          responses: { ...ok("The unverified returns, oldest first.", "UnverifiedReturnList"), ...errors(400, 401, 403) },
        },
      },
      "/v1/stored-value/holds": {
        post: {
          operationId: "holdStoredValue",
          summary:
            "Authorise a gift card or store credit redemption: hold the amount against the balance, keyed by the tender's id. Captured when the sale carrying the tender (with holdId) reaches the ledger, released by DELETE, ended at expiresAt otherwise.",
          description: by("register (its own store and register in the body)"),
          requestBody: body("StoredValueHoldRequest"),
          responses: {
            ...ok("Held now.", "StoredValueHold", "201"),
            ...ok("The same hold, asked again (also once captured).", "StoredValueHold"),
            ...errors(400, 401, 403, 404, 409, 413, 422, 503),
          },
        },
      },
      "/v1/stored-value/holds/{holdId}": {
        delete: {
          operationId: "releaseStoredValueHold",
          summary: "Release a hold: the sale was not recorded.",
          description: by("register (the one holding it)"),
          parameters: [path("holdId")],
          responses: { "204": { description: "Released." }, ...errors(401, 403, 404) },
        },
      },
      "/v1/stored-value/inquiries": {
        post: {
          operationId: "storedValueInquiry",
          summary:
            "A gift card's or store credit's balance by its sealed number; 404 account_not_found for a number no sale or return ever named (not_issued: known only from redemptions, never activated).",
          description: by("register"),
          requestBody: body("StoredValueInquiry"),
          responses: { ...ok("The balance.", "StoredValueBalance"), ...errors(400, 401, 403, 404, 413, 422, 503) },
        },
      },
      "/v1/stored-value/accounts/{token}": {
        get: {
          operationId: "storedValueAccount",
          summary: "A stored-value account by its token: the balance and every entry.",
          description: by("admin", "store (an account it has used)"),
          parameters: [path("token")],
          responses: { ...ok("The account.", "StoredValueAccount"), ...errors(401, 403, 404) },
        },
      },
      "/v1/stored-value/balances": {
        get: {
          operationId: "storedValueBalances",
          summary: "Every stored-value account's balance from its entries, by token: what two regions compare.",
          description: by("admin", "consumer"),
          responses: { ...ok("The balances.", "StoredValueBalances"), ...errors(401, 403) },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics.",
          description: by("admin"),
          responses: {
            "200": { description: "Prometheus text exposition.", content: { "text/plain": { schema: { type: "string" } } } },
            ...errors(401, 403),
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openApi",
          summary: "This document.",
          security: [{}],
          responses: { "200": { description: "The region's OpenAPI 3.1 document.", content: json({ type: "object" }) } },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A credential (tl_… bootstrap token or a signed credential)." },
      },
    },
  };
}
