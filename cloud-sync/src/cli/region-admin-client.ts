import {
  type CredentialList,
  CredentialListSchema,
  type CredentialRecord,
  CredentialRecordSchema,
  type IssueCredentialRequest,
  type IssuedCredential,
  IssuedCredentialSchema,
  StoreCutoffSchema,
} from "@tenderline/shared";
import { z } from "zod";

/** A region refused or failed an operator command; the message is the region's own. */
export class RegionCommandError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RegionCommandError";
  }
}

const RotatedSchema = IssuedCredentialSchema.extend({ replaced: CredentialRecordSchema });

/** The operator's credential commands against a running region, over its HTTP API with an admin credential. */
export class RegionAdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminCredential: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async call<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown): Promise<z.infer<T>> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.adminCredential}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RegionCommandError(0, `region ${this.baseUrl} is unreachable: ${(error as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RegionCommandError(
        res.status,
        `region answered ${res.status} with something that is not JSON (${(error as Error).message})`,
      );
    }
    if (!res.ok) {
      const message = (json as { message?: unknown }).message;
      throw new RegionCommandError(
        res.status,
        `region answered ${res.status}: ${typeof message === "string" ? message : text.slice(0, 300)}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new RegionCommandError(res.status, `region answered ${res.status} with an unexpected shape`);
    return parsed.data;
  }

  issue(request: IssueCredentialRequest): Promise<IssuedCredential> {
    return this.call("POST", "/v1/admin/credentials", IssuedCredentialSchema, request);
  }

  list(filter: { storeId?: string; registerId?: string; kind?: string; all?: boolean } = {}): Promise<CredentialList> {
    const query = new URLSearchParams();
    if (filter.storeId) query.set("storeId", filter.storeId);
    if (filter.registerId) query.set("registerId", filter.registerId);
    if (filter.kind) query.set("kind", filter.kind);
    if (filter.all) query.set("all", "true");
    return this.call("GET", `/v1/admin/credentials?${query}`, CredentialListSchema);
  }

  async revoke(id: string): Promise<CredentialRecord> {
    const answer = await this.call(
      "POST",
      `/v1/admin/credentials/${encodeURIComponent(id)}/revoke`,
      z.object({ record: CredentialRecordSchema }),
    );
    return answer.record;
  }

  rotate(id: string, overlapSeconds: number): Promise<z.infer<typeof RotatedSchema>> {
    return this.call("POST", `/v1/admin/credentials/${encodeURIComponent(id)}/rotate`, RotatedSchema, { overlapSeconds });
  }

  async revokeStore(storeId: string): Promise<z.infer<typeof StoreCutoffSchema>> {
    const answer = await this.call(
      "POST",
      `/v1/admin/stores/${encodeURIComponent(storeId)}/revoke-credentials`,
      z.object({ cutoff: StoreCutoffSchema }),
    );
    return answer.cutoff;
  }
}
