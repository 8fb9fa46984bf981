import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type CredentialRecord,
  describeIssues,
  generateStoredValueKeys,
  type IssueCredentialRequest,
  IssueCredentialRequestSchema,
  RegionClient,
} from "@tenderline/shared";
import { z } from "zod";
import { generateCredentialKeys, importIssuerKey, PrivateJwkSchema } from "../auth/credential-keys.ts";
import { signCredential } from "../auth/signed-credentials.ts";
import { ConfigError } from "../config/config.ts";

/** The one field of a region config file that `--offline` reads; the rest is the region's business. */
const IssuerKeyConfigSchema = z.looseObject({ credentialIssuerKey: z.unknown() });

export const TOKEN_USAGE = `credentials (a running region, over HTTP, with an admin credential):
  main.ts token create --kind register|store|consumer|admin|region|channel [--store-id S] [--register-id R]
                       [--region-name R] [--label L] [--expires-in SECONDS] [--json]
                       (a channel, an online shop's order channel: --store-id online --register-id web-1)
  main.ts token list [--store-id S] [--register-id R] [--kind K] [--all] [--json]
  main.ts token revoke CREDENTIAL_ID
  main.ts token rotate CREDENTIAL_ID [--overlap SECONDS]   (default 3600: the old one works that long)
  main.ts token revoke-store STORE_ID                      (every credential of the store issued until now)
    the region: --url URL or TENDERLINE_REGION_URL; the admin credential: TENDERLINE_ADMIN_CREDENTIAL
    or --admin-credential-file FILE (never on the command line)
  A new credential is printed once on stdout; regions keep only its record.
keys (no region needed):
  main.ts token keygen                          a new retailer key pair and stored-value keys, as region config fields (JSON)
  main.ts token create --offline --kind K …     signs with credentialIssuerKey from --config FILE or
                                                TENDERLINE_CREDENTIAL_ISSUER_KEY (the first admin, peers' region credentials)
                                                (--config defaults to TENDERLINE_REGION_CONFIG)
  main.ts token --help                          this text`;

const OPTIONS = {
  kind: { type: "string" },
  "store-id": { type: "string" },
  "register-id": { type: "string" },
  "region-name": { type: "string" },
  label: { type: "string" },
  "expires-in": { type: "string" },
  overlap: { type: "string" },
  all: { type: "boolean" },
  json: { type: "boolean" },
  offline: { type: "boolean" },
  url: { type: "string" },
  config: { type: "string" },
  "admin-credential-file": { type: "string" },
} as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

function wholeSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new ConfigError(`${flag} must be a whole number of seconds`);
  return Number(value);
}

function describe(r: CredentialRecord): string {
  const subject = [
    r.storeId && `store ${r.storeId}`,
    r.registerId && `${r.kind === "channel" ? "channel instance" : "register"} ${r.registerId}`,
    r.regionName && `region ${r.regionName}`,
  ]
    .filter(Boolean)
    .join(", ");
  const state = r.revokedAt ? `revoked ${r.revokedAt}` : r.notAfter ? `ends ${r.notAfter}` : "active";
  return `${r.id}  ${r.kind}${subject ? ` (${subject})` : ""}  issued ${r.issuedAt}  ${state}${r.label ? `  "${r.label}"` : ""}`;
}

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new ConfigError(`cannot read ${what} from ${file}: ${(error as Error).message}`);
  }
}

function issuerKeyFrom(configFile: string | undefined, env: NodeJS.ProcessEnv) {
  const file = configFile ?? env.TENDERLINE_REGION_CONFIG;
  let raw: unknown = env.TENDERLINE_CREDENTIAL_ISSUER_KEY ? JSON.parse(env.TENDERLINE_CREDENTIAL_ISSUER_KEY) : undefined;
  if (raw === undefined && file) {
    const config = IssuerKeyConfigSchema.safeParse(JSON.parse(readSecretFile(file, "the region config")));
    if (!config.success) throw new ConfigError(`${file} is not a region config: ${describeIssues(config.error)}`);
    raw = config.data.credentialIssuerKey;
  }
  if (raw === undefined) {
    throw new ConfigError(
      "--offline signs with the retailer's key: give --config FILE (with credentialIssuerKey) or TENDERLINE_CREDENTIAL_ISSUER_KEY",
    );
  }
  const parsed = PrivateJwkSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`credentialIssuerKey is not a usable key: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** `token …`: the operator's credential commands. Returns the process exit code. */
export async function runTokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [noun, verb, ...rest] = argv;
  if (noun !== "token" || verb === undefined) throw new ConfigError(`say which token command\n${TOKEN_USAGE}`);
  // `token help`, `token --help`, `token create -h`: the usage on stdout, not an error.
  if (verb === "help" || [verb, ...rest].some((a) => a === "--help" || a === "-h")) {
    io.out(TOKEN_USAGE);
    return 0;
  }
  if (rest.some((a) => /^--(admin-credential|credential|token)(=|$)/.test(a))) {
    throw new ConfigError(
      "a credential on the command line is readable by every user of this machine (ps); set TENDERLINE_ADMIN_CREDENTIAL or use --admin-credential-file",
    );
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const reason = (error as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, "");
    throw new ConfigError(`${reason}\n${TOKEN_USAGE}`);
  }
  const { values, positionals } = parsed;

  if (verb === "keygen") {
    io.out(JSON.stringify({ ...(await generateCredentialKeys()), storedValueKeys: generateStoredValueKeys() }, null, 2));
    io.err(
      "put these fields in each region's config file (0600): every region needs credentialTrustedKeys and storedValueKeys; those that issue, credentialIssuerKey. Registers get storedValueKeys.sealPublicKey as storedValueSealKey (not a secret)",
    );
    return 0;
  }

  // What `create` asks for, checked before anything else happens (offline or over HTTP).
  let request: IssueCredentialRequest | undefined;
  if (verb === "create") {
    const parsedRequest = IssueCredentialRequestSchema.safeParse({
      kind: values.kind,
      storeId: values["store-id"],
      registerId: values["register-id"],
      regionName: values["region-name"],
      label: values.label,
      expiresInSeconds: wholeSeconds(values["expires-in"], "--expires-in"),
    });
    if (!parsedRequest.success) throw new ConfigError(`${describeIssues(parsedRequest.error)}\n${TOKEN_USAGE}`);
    request = parsedRequest.data;
    if (values.offline) {
      const { label: _label, expiresInSeconds, ...subject } = request;
      const key = await importIssuerKey(issuerKeyFrom(values.config, env));
      const expiresAt = expiresInSeconds === undefined ? null : new Date(Date.now() + expiresInSeconds * 1000);
      const { credential, claims } = await signCredential(key, subject, { expiresAt });
      io.out(values.json ? JSON.stringify({ credential, id: claims.id }) : credential);
      io.err(`signed ${claims.id} (${claims.kind}) offline; regions record it when it is first used`);
      return 0;
    }
  }

  const url = values.url ?? env.TENDERLINE_REGION_URL;
  if (!url) throw new ConfigError(`say which region: --url http://host:port or TENDERLINE_REGION_URL\n${TOKEN_USAGE}`);
  const fileName = values["admin-credential-file"];
  const admin = fileName ? readSecretFile(fileName, "the admin credential") : env.TENDERLINE_ADMIN_CREDENTIAL;
  if (!admin) throw new ConfigError("an admin credential is needed: TENDERLINE_ADMIN_CREDENTIAL or --admin-credential-file FILE");
  const client = new RegionClient(url, admin);
  const id = positionals[0];

  switch (verb) {
    case "create": {
      if (!request) throw new ConfigError(TOKEN_USAGE);
      const issued = await client.issueCredential(request);
      io.out(values.json ? JSON.stringify(issued) : issued.credential);
      io.err(`issued ${describe(issued.record)}\nthe credential is shown this once; regions keep only its record`);
      return 0;
    }
    case "list": {
      const list = await client.listCredentials({
        ...(values["store-id"] ? { storeId: values["store-id"] } : {}),
        ...(values["register-id"] ? { registerId: values["register-id"] } : {}),
        ...(values.kind ? { kind: values.kind } : {}),
        all: values.all ?? false,
      });
      if (values.json) io.out(JSON.stringify(list));
      else for (const r of list.items) io.out(describe(r));
      if (!values.json)
        io.err(
          `${list.items.length} credential(s) at region ${list.region}${values.all ? "" : " (still working; --all for every one)"}`,
        );
      return 0;
    }
    case "revoke": {
      if (!id) throw new ConfigError("token revoke needs the credential id (token list shows them)");
      io.out(describe((await client.revokeCredential(id)).record));
      return 0;
    }
    case "rotate": {
      if (!id) throw new ConfigError("token rotate needs the credential id (token list shows them)");
      const rotated = await client.rotateCredential(id, wholeSeconds(values.overlap, "--overlap") ?? 3600);
      io.out(values.json ? JSON.stringify(rotated) : rotated.credential);
      io.err(`issued ${describe(rotated.record)}\nreplaced ${describe(rotated.replaced)}\nthe credential is shown this once`);
      return 0;
    }
    case "revoke-store": {
      if (!id) throw new ConfigError("token revoke-store needs the store id");
      const { cutoff } = await client.revokeStoreCredentials(id);
      io.out(`every credential of store ${cutoff.storeId} issued before ${cutoff.revokedBefore} is refused`);
      return 0;
    }
    default:
      throw new ConfigError(`unknown command 'token ${verb}'\n${TOKEN_USAGE}`);
  }
}
