import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HAPROXY_BINARY, HaproxyNotInstalledError, LoadBalancer, parseStatsCsv, renderHaproxyConfig } from "./load-balancer.ts";

const SPEC = {
  region: "A",
  port: 7431,
  statsPort: 7451,
  servers: [
    { name: "i0", port: 40001 },
    { name: "i1", port: 40002 },
  ],
};

describe("a region's HAProxy config", () => {
  const config = renderHaproxyConfig(SPEC);
  const line = (text: string) => expect(config.split("\n").map((l) => l.trim())).toContain(text);

  it("serves the region's port and balances over every instance, health-checked on /v1/health", () => {
    line("bind 127.0.0.1:7431");
    line("server i0 127.0.0.1:40001 check");
    line("server i1 127.0.0.1:40002 check");
    line("option httpchk GET /v1/health");
    line("http-check expect status 200");
    line("balance leastconn");
    line("bind 127.0.0.1:7451");
  });

  it("takes a dead instance out within about a second and resends what could not reach it to another", () => {
    const check = /default-server inter (\d+)ms .*fall (\d+) rise (\d+)/.exec(config);
    expect(check).not.toBeNull();
    // fall × inter: how long a refusing instance stays in rotation; the brief allows ~2 s.
    expect(Number(check?.[1]) * Number(check?.[2])).toBeLessThanOrEqual(2000);
    line("retries 3");
    line("option redispatch 1");
    line("retry-on conn-failure empty-response junk-response 502 503 504");
    // Only requests safe to send twice are resent after an instance died mid-request.
    line("http-request disable-l7-retry unless safe_to_repeat");
    line("acl safe_to_repeat path /v1/events/batch");
  });

  it("waits longer than a 10 s ingest request for an instance's answer", () => {
    const seconds = (name: string) => Number(new RegExp(`timeout ${name} (\\d+)s`).exec(config)?.[1]);
    expect(seconds("server")).toBeGreaterThan(10);
    expect(seconds("client")).toBeGreaterThan(10);
  });

  it("is a config HAProxy accepts (haproxy -c)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tl-haproxy-"));
    try {
      writeFileSync(join(dir, "haproxy.cfg"), config);
      // Throws with HAProxy's complaint if it refuses the file.
      execFileSync(HAPROXY_BINARY, ["-c", "-q", "-f", join(dir, "haproxy.cfg")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is the config the README shows", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const shown = /\*\*The balancer\*\*[^\n]*\n\n```\n([\s\S]*?)```\n/.exec(readme)?.[1];
    expect(shown).toBe(renderHaproxyConfig({ ...SPEC, statsPort: 41234 }));
  });

  it("refuses a region without instances", () => {
    expect(() => renderHaproxyConfig({ ...SPEC, servers: [] })).toThrow(/at least one instance/);
  });
});

describe("the balancer's view", () => {
  it("reads the backend's servers from the stats CSV: UP/DOWN as traffic sees them, requests answered", () => {
    const csv = [
      "# pxname,svname,status,stot,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,wretr,wredis,check_status,lastchg,",
      "region_A,FRONTEND,OPEN,12,0,10,0,1,1,0,,,,,",
      "region_A_instances,i0,UP,8,0,7,0,1,0,0,0,0,L7OK,30,",
      "region_A_instances,i1,DOWN,4,0,3,0,0,0,0,1,1,L4CON,2,",
      "region_A_instances,BACKEND,UP,12,0,10,0,1,1,0,1,1,,30,",
      "region_B_instances,i0,UP 1/2,1,0,1,0,0,0,0,0,0,L7OK,5,",
      "",
    ].join("\n");
    expect(parseStatsCsv("A", csv).servers).toEqual([
      {
        name: "i0",
        state: "UP",
        status: "UP",
        requests: 8,
        sessions: 8,
        retries: 0,
        redispatches: 0,
        checkStatus: "L7OK",
        secondsSinceChange: 30,
      },
      {
        name: "i1",
        state: "DOWN",
        status: "DOWN",
        requests: 3,
        sessions: 4,
        retries: 1,
        redispatches: 1,
        checkStatus: "L4CON",
        secondsSinceChange: 2,
      },
    ]);
    expect(parseStatsCsv("B", csv).servers[0]?.state).toBe("UP");
  });

  it("says how to install HAProxy when it is missing", async () => {
    const lb = new LoadBalancer({ ...SPEC, dir: tmpdir(), binary: "/nonexistent/haproxy" });
    await expect(lb.start()).rejects.toThrow(HaproxyNotInstalledError);
    await expect(lb.start()).rejects.toThrow("apt-get install -y haproxy");
  });
});
