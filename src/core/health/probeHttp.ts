// HTTP/HTTPS probe modelled on curl as Mesos runs it (`curl -s -S -L -k -w %{http_code} -o /dev/null -g URL`,
// src/checks/checker_process.cpp): GET, read the whole body, pass iff 200 <= final status < 400. Mesos ignores the
// proto's `statuses` field, and so does Berth.
//
// Redirects: curl -L follows a Location to ANY host. Here the probe is made by the executor, often root on the host
// network, so a task's 302 would make it GET an address of the task's choosing (another service on the host, a
// metadata endpoint): SSRF. Berth follows a redirect only within the probed origin (same scheme, host and port: the
// task's own listener) and otherwise stops there and takes the 3xx itself as the answer — what curl reports when it
// does not follow, what Marathon's own HTTP checks (which never follow) and Kubernetes' kubelet (which does not
// follow a redirect to another host, "Probe terminated redirects") do. By Mesos' 200–399 rule that answer passes:
// the task did answer, and whatever it sent us to is not the task.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Probe, ProbeResult } from "./checkSpec.js";
import { describeNetworkError, probeUrl } from "./probeResult.js";

export type HttpProbe = Extract<Probe, { kind: "http" }>;

/** Redirects followed (within the origin) before giving up: Kubernetes' bound; curl's 50 is not needed any more. */
export const MAX_REDIRECTS = 10;
/** Longest redirect target shown in a message. */
const MAX_SHOWN_URL = 200;

/** Rejects with `signal.reason` on abort; every other outcome is a result. */
export async function probeHttp(probe: HttpProbe, signal: AbortSignal): Promise<ProbeResult> {
  const start = probeUrl(probe);
  const failed = (reason: string): ProbeResult => ({ ok: false, message: `HTTP GET ${start} failed: ${reason}`, detail: { kind: "http" } });
  let url: URL;
  try {
    url = new URL(start);
  } catch {
    return failed("invalid URL");
  }
  const { origin, href: first } = url;
  let notFollowed = "";
  for (let redirects = 0; ; redirects++) {
    let response: { statusCode: number; location: string | undefined };
    try {
      response = await get(url, signal);
    } catch (error) {
      signal.throwIfAborted();
      return failed(describeNetworkError(error));
    }
    const { statusCode, location } = response;
    // As curl -L: any 3xx with a Location except 304, which has nothing to follow.
    if (statusCode >= 300 && statusCode < 400 && statusCode !== 304 && location !== undefined) {
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return failed(`invalid redirect location ${JSON.stringify(location)}`);
      }
      if (next.origin === origin) {
        if (redirects >= MAX_REDIRECTS) return failed(`maximum (${MAX_REDIRECTS}) redirects followed`);
        url = next;
        continue;
      }
      // The task chose this text (up to Node's 16 KiB of headers): keep the message short.
      const target = next.href.length > MAX_SHOWN_URL ? `${next.href.slice(0, MAX_SHOWN_URL)}…` : next.href;
      notFollowed = ` (redirect to ${target} not followed: another origin)`;
    }
    const via = notFollowed !== "" ? notFollowed : url.href === first ? "" : ` (redirected to ${url.href})`;
    return {
      ok: statusCode >= 200 && statusCode < 400,
      message: `HTTP GET ${start} returned ${statusCode}${via}`,
      detail: { kind: "http", statusCode },
    };
  }
}

/** One GET without keep-alive; resolves once the whole body has been read (curl reads it too, into /dev/null). */
function get(url: URL, signal: AbortSignal): Promise<{ statusCode: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      const statusCode = response.statusCode ?? 0;
      const location = response.headers.location;
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("response aborted")));
      response.on("end", () => resolve({ statusCode, location }));
      response.resume();
    };
    const options = { method: "GET", signal, agent: false, headers: { "user-agent": "berth-check", accept: "*/*" } };
    const req =
      url.protocol === "https:"
        ? // No certificate verification, as Mesos (curl -k) and Kubernetes do: the probe targets the task's own
          // loopback listener, which typically serves a self-signed certificate or one issued for its public name,
          // and the point is whether the task answers, not who it is.
          httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse)
        : httpRequest(url, options, onResponse);
    req.on("error", reject);
    req.end();
  });
}
