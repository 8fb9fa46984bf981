import {
  type CredentialList,
  type CredentialListFilter,
  type CredentialRecord,
  type IssueCredentialRequest,
  type IssuedCredential,
  RegionClient,
  type RotatedCredential,
  type StoreCutoff,
} from "@tenderline/shared";

/** A region refused or failed an operator command (the shared client's one error; its message is for the operator). */
export { RegionApiError as RegionCommandError } from "@tenderline/shared";

/** The operator's credential commands against a running region: the shared region client with an admin credential. */
export class RegionAdminClient {
  private readonly region: RegionClient;

  constructor(baseUrl: string, adminCredential: string, timeoutMs = 15_000) {
    this.region = new RegionClient(baseUrl, adminCredential, { timeoutMs });
  }

  issue(request: IssueCredentialRequest): Promise<IssuedCredential> {
    return this.region.issueCredential(request);
  }

  list(filter: CredentialListFilter = {}): Promise<CredentialList> {
    return this.region.listCredentials(filter);
  }

  async revoke(id: string): Promise<CredentialRecord> {
    return (await this.region.revokeCredential(id)).record;
  }

  rotate(id: string, overlapSeconds: number): Promise<RotatedCredential> {
    return this.region.rotateCredential(id, overlapSeconds);
  }

  async revokeStore(storeId: string): Promise<StoreCutoff> {
    return (await this.region.revokeStoreCredentials(storeId)).cutoff;
  }
}
