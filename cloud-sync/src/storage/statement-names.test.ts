import { describe, expect, it } from "vitest";
import { StatementNames } from "./statement-names.ts";

describe("StatementNames", () => {
  it("names a text from its second use, and always the same way", () => {
    const names = new StatementNames();
    expect(names.nameFor("SELECT 1 WHERE $1")).toBeUndefined();
    const name = names.nameFor("SELECT 1 WHERE $1");
    expect(name).toMatch(/^tl_[A-Za-z0-9_-]{24}$/);
    expect(names.nameFor("SELECT 1 WHERE $1")).toBe(name);
    const other = new StatementNames();
    other.nameFor("SELECT 1 WHERE $1");
    expect(other.nameFor("SELECT 1 WHERE $1")).toBe(name);
  });

  it("gives different texts different names", () => {
    const names = new StatementNames();
    for (const sql of ["SELECT $1", "SELECT $1 + 1"]) names.nameFor(sql);
    expect(names.nameFor("SELECT $1")).not.toBe(names.nameFor("SELECT $1 + 1"));
  });

  it("stops naming new texts at its limit, and keeps the names it gave", () => {
    const names = new StatementNames(2);
    const named = ["a $1", "b $1", "c $1"].map((sql) => {
      names.nameFor(sql);
      return names.nameFor(sql);
    });
    expect(named[0]).toBeDefined();
    expect(named[1]).toBeDefined();
    expect(named[2]).toBeUndefined();
    expect(names.nameFor("a $1")).toBe(named[0]);
  });
});
