// Certificates for TLS tests, made with the openssl command line in a temporary directory: a CA, a server
// certificate for 127.0.0.1/localhost, and client certificates (valid, expired, signed by another CA, a key that does
// not match). EC P-256 keys keep it fast enough to do once per test file (`openssl ca` gives explicit validity dates,
// which `openssl x509 -req` of OpenSSL 3.0 cannot).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  /** PEM of the certificate and its files. */
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestCertificates {
  readonly dir: string;
  /** The CA that signs the servers and the valid clients. */
  readonly ca: KeyPair;
  /** Another CA: nothing trusts it. */
  readonly otherCa: KeyPair;
  /** For 127.0.0.1 and localhost, signed by `ca`. */
  readonly server: KeyPair;
  /** For 127.0.0.1 and localhost, signed by `otherCa` (a client verifying against `ca` refuses it). */
  readonly rogueServer: KeyPair;
  /** Client certificate (CN=berth-agent-test), signed by `ca`, valid for a year. */
  readonly client: KeyPair;
  /** Signed by `ca`, expired (NotAfter 2020-01-02). */
  readonly expiredClient: KeyPair;
  /** Signed by `otherCa`. */
  readonly otherCaClient: KeyPair;
  /** `client`'s certificate with another key. */
  readonly mismatchedClient: KeyPair;
  /** Removes the directory. */
  remove(): void;
}

const CA_CONFIG = `
[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = .
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
[server_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
`;

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "berth-certs-"));
  const run = (args: string[], cwd = dir): void => void execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  const pair = (name: string): KeyPair => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return {
      certFile,
      keyFile,
      get cert() {
        return readFileSync(certFile, "utf8");
      },
      get key() {
        return readFileSync(keyFile, "utf8");
      },
    };
  };
  const newKey = (name: string): void => run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`]);
  const makeCa = (name: string, cn: string): void => {
    const caDir = join(dir, `${name}-db`);
    execFileSync("mkdir", ["-p", caDir]);
    writeFileSync(join(caDir, "index.txt"), "");
    writeFileSync(join(caDir, "ca.cnf"), CA_CONFIG);
    newKey(name);
    run(["req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-days", "3650", "-out", `${name}.crt`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  };
  const sign = (name: string, ca: string, cn: string, ext: "server_ext" | "client_ext", dates: string[] = ["-days", "365"]): void => {
    newKey(name);
    run(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`]);
    run(["ca", "-batch", "-config", join(dir, `${ca}-db`, "ca.cnf"), "-cert", join(dir, `${ca}.crt`), "-keyfile", join(dir, `${ca}.key`),
      "-extensions", ext, ...dates, "-notext", "-in", join(dir, `${name}.csr`), "-out", join(dir, `${name}.crt`)], join(dir, `${ca}-db`));
  };
  makeCa("ca", "Berth Test CA");
  makeCa("other-ca", "Berth Other CA");
  sign("server", "ca", "localhost", "server_ext");
  sign("rogue-server", "other-ca", "localhost", "server_ext");
  sign("client", "ca", "berth-agent-test", "client_ext");
  sign("expired-client", "ca", "berth-agent-expired", "client_ext", ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]);
  sign("other-ca-client", "other-ca", "berth-agent-other", "client_ext");
  execFileSync("cp", [join(dir, "client.crt"), join(dir, "mismatched-client.crt")]);
  newKey("mismatched-client");
  return {
    dir,
    ca: pair("ca"),
    otherCa: pair("other-ca"),
    server: pair("server"),
    rogueServer: pair("rogue-server"),
    client: pair("client"),
    expiredClient: pair("expired-client"),
    otherCaClient: pair("other-ca-client"),
    mismatchedClient: pair("mismatched-client"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
