// The client certificate and key the agent hands the executor in two environment variables (names configurable,
// defaults BERTH_CLIENT_CERT / BERTH_CLIENT_KEY). Each variable holds either the PEM itself (a value containing
// "-----BEGIN") or the absolute path of a PEM file; files are read at every use, so a certificate the agent rotates
// on disk is picked up by the next task. Errors name the variable (and a path), never the key's content.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { BerthError } from "../berthError.js";

export const DEFAULT_CERT_VARIABLE = "BERTH_CLIENT_CERT";
export const DEFAULT_KEY_VARIABLE = "BERTH_CLIENT_KEY";

/** Where the certificate and key come from: the variables' names and their values (PEM or a path). */
export interface CertificateSource {
  readonly certVariable: string;
  readonly certValue: string | undefined;
  readonly keyVariable: string;
  readonly keyValue: string | undefined;
}

export interface AgentCertificate {
  /** The certificate PEM (with any intermediates that followed it). */
  readonly certPem: string;
  /** The key PEM: for TLS options only, never for messages. */
  readonly keyPem: string;
  readonly certVariable: string;
  readonly keyVariable: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export type AgentCertificateErrorCode =
  | "AGENT_CERT_MISSING" // a variable is not set
  | "AGENT_CERT_UNREADABLE" // a file could not be read
  | "AGENT_CERT_INVALID" // the certificate does not parse
  | "AGENT_KEY_INVALID" // the key does not parse
  | "AGENT_KEY_MISMATCH" // the key is not the certificate's
  | "AGENT_CERT_EXPIRED"; // NotAfter has passed (or NotBefore has not come)

export class AgentCertificateError extends BerthError {
  override readonly code: AgentCertificateErrorCode;
  /** The variable at fault. */
  readonly variable: string;

  constructor(code: AgentCertificateErrorCode, variable: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.code = code;
    this.variable = variable;
  }
}

const isPem = (value: string): boolean => value.includes("-----BEGIN");

/** Describes where a variable's value is, for messages: "BERTH_CLIENT_CERT (file /x.pem)" or "BERTH_CLIENT_CERT". */
function where(variable: string, value: string): string {
  return isPem(value) ? variable : `${variable} (file ${value})`;
}

async function material(variable: string, value: string | undefined, what: string, signal?: AbortSignal): Promise<string> {
  if (value === undefined || value.trim() === "") {
    throw new AgentCertificateError("AGENT_CERT_MISSING", variable, `${variable} is not set: the agent must hand the executor a client ${what} (PEM or the path of a PEM file)`);
  }
  if (isPem(value)) return value;
  if (!isAbsolute(value)) {
    throw new AgentCertificateError("AGENT_CERT_UNREADABLE", variable, `${variable} must hold a PEM ${what} or an absolute path to one (it holds neither)`);
  }
  try {
    return await readFile(value, { encoding: "utf8", ...(signal ? { signal } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    throw new AgentCertificateError("AGENT_CERT_UNREADABLE", variable, `cannot read the client ${what} of ${where(variable, value)}: ${code}`, { cause: error });
  }
}

/** Reads and parses the certificate and key, and checks that the key is the certificate's. Expiry is not checked. */
export async function loadAgentCertificate(source: CertificateSource, signal?: AbortSignal): Promise<AgentCertificate> {
  const { certVariable, keyVariable } = source;
  const certPem = await material(certVariable, source.certValue, "certificate", signal);
  const keyPem = await material(keyVariable, source.keyValue, "key", signal);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch (error) {
    throw new AgentCertificateError("AGENT_CERT_INVALID", certVariable, `the client certificate in ${where(certVariable, source.certValue ?? "")} does not parse as an X.509 PEM certificate`, { cause: error });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    // No cause: a parser's error could quote the input.
    throw new AgentCertificateError("AGENT_KEY_INVALID", keyVariable, `the client key in ${where(keyVariable, source.keyValue ?? "")} does not parse as a PEM private key (unencrypted)`);
  }
  if (!x509.checkPrivateKey(key)) {
    throw new AgentCertificateError("AGENT_KEY_MISMATCH", keyVariable, `the client key in ${where(keyVariable, source.keyValue ?? "")} does not belong to the certificate in ${where(certVariable, source.certValue ?? "")} (${x509.subject.replace(/\n/g, ", ")})`);
  }
  return {
    certPem,
    keyPem,
    certVariable,
    keyVariable,
    subject: x509.subject.replace(/\n/g, ", "),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
}

/** Throws AGENT_CERT_EXPIRED, naming the variable and NotAfter, when the certificate is not valid at `now`. */
export function assertCertificateCurrent(certificate: AgentCertificate, now: Date = new Date()): void {
  const { certVariable, notAfter, notBefore, subject } = certificate;
  if (now.getTime() >= notAfter.getTime()) {
    throw new AgentCertificateError("AGENT_CERT_EXPIRED", certVariable, `the client certificate in ${certVariable} (${subject}) expired: NotAfter ${notAfter.toISOString()}`);
  }
  if (now.getTime() < notBefore.getTime()) {
    throw new AgentCertificateError("AGENT_CERT_EXPIRED", certVariable, `the client certificate in ${certVariable} (${subject}) is not valid yet: NotBefore ${notBefore.toISOString()}`);
  }
}
