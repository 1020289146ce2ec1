import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, it } from "node:test";
import { MarkerDir } from "../../test/helpers/fixtures.js";
import { execvpError } from "./findExecutable.js";

let dir: MarkerDir;
beforeEach(() => {
  dir = new MarkerDir();
  writeFileSync(dir.file("runnable"), "#!/bin/sh\n");
  chmodSync(dir.file("runnable"), 0o755);
  writeFileSync(dir.file("plain"), "");
  chmodSync(dir.file("plain"), 0o644);
  mkdirSync(dir.file("sub"));
});
afterEach(() => dir.remove());

describe("execvpError", () => {
  it("finds a name through PATH, as execvp does (an empty entry is the working directory)", () => {
    assert.equal(execvpError("runnable", `/berth/none:${dir.path}`, "/"), undefined);
    assert.equal(execvpError("runnable", "/berth/none:", dir.path), undefined);
    assert.equal(execvpError("sh", undefined, "/"), undefined, "the default PATH has /bin");
    assert.equal(execvpError("runnable", "/berth/none", dir.path), "ENOENT");
  });

  it("takes a path with a slash as it is, relative to the working directory", () => {
    assert.equal(execvpError(dir.file("runnable"), "", "/"), undefined);
    assert.equal(execvpError("./runnable", "", dir.path), undefined);
    assert.equal(execvpError("./missing", dir.path, dir.path), "ENOENT");
    assert.equal(execvpError("", dir.path, dir.path), "ENOENT");
  });

  it("says EACCES for a file without an execute bit or a directory, unless an executable comes later in PATH", () => {
    assert.equal(execvpError(dir.file("plain"), "", "/"), "EACCES");
    assert.equal(execvpError("sub", dir.path, "/"), "EACCES");
    writeFileSync(dir.file("sub/plain"), "#!/bin/sh\n");
    chmodSync(dir.file("sub/plain"), 0o700);
    assert.equal(execvpError("plain", `${dir.path}:${dir.file("sub")}`, "/"), undefined);
    assert.equal(execvpError("plain", `${dir.path}:/berth/none`, "/"), "EACCES");
  });
});
