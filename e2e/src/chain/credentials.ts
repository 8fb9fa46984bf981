/**
 * The chain's credentials, made the way an operator makes them: the retailer's key pair with
 * `token keygen`, the first admin and the peers' region credentials signed offline with it, and
 * every other credential issued over HTTP by one running region (and so good in every region).
 */
import { execFile } from "node:child_process";
import { type CredentialSubject, type IssuedCredential, IssuedCredentialSchema } from "@tenderline/shared";
import { z } from "zod";

export const CredentialKeysSchema = z.object({
  credentialIssuerKey: z.object({ kty: z.string(), crv: z.string(), x: z.string(), d: z.string() }),
  credentialTrustedKeys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string() })),
});
export type CredentialKeys = z.infer<typeof CredentialKeysSchema>;

export class CredentialCommandError extends Error {
  constructor(command: string, reason: string) {
    super(`token ${command} failed: ${reason}`);
    this.name = "CredentialCommandError";
  }
}

/** Runs `main.ts token …` (the operator's CLI) with secrets in its environment, never its argv. */
export function tokenCommand(regionEntry: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", regionEntry, "token", ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new CredentialCommandError(args[0] ?? "", `${error.message}\n${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

export async function generateKeys(regionEntry: string): Promise<CredentialKeys> {
  return CredentialKeysSchema.parse(JSON.parse(await tokenCommand(regionEntry, ["keygen"])));
}

const subjectArgs = (s: CredentialSubject, label?: string) => [
  "--kind",
  s.kind,
  ...(s.storeId ? ["--store-id", s.storeId] : []),
  ...(s.registerId ? ["--register-id", s.registerId] : []),
  ...(s.regionName ? ["--region-name", s.regionName] : []),
  ...(label ? ["--label", label] : []),
];

/** A credential signed with the key itself: for the first admin, and peers that must have one before any region runs. */
export async function signOffline(
  regionEntry: string,
  keys: CredentialKeys,
  subject: CredentialSubject,
  label?: string,
): Promise<string> {
  const out = await tokenCommand(regionEntry, ["create", "--offline", "--json", ...subjectArgs(subject, label)], {
    TENDERLINE_CREDENTIAL_ISSUER_KEY: JSON.stringify(keys.credentialIssuerKey),
  });
  return z.object({ credential: z.string() }).parse(JSON.parse(out)).credential;
}

/** Issues a credential at a running region over its HTTP API (what `token create` does). */
export async function issueAt(
  regionUrl: string,
  admin: string,
  subject: CredentialSubject,
  label?: string,
): Promise<IssuedCredential> {
  const response = await fetch(new URL("/v1/admin/credentials", regionUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ ...subject, ...(label ? { label } : {}) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (response.status !== 201)
    throw new CredentialCommandError("create", `${regionUrl} answered ${response.status}: ${text.slice(0, 300)}`);
  return IssuedCredentialSchema.parse(JSON.parse(text));
}
