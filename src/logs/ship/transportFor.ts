// The transport a sink configuration asks for.
import { HostResolver } from "./hostResolver.js";
import { FileTransport } from "./fileTransport.js";
import { RelpTransport } from "./relpTransport.js";
import type { SinkConfig } from "./sinkConfig.js";
import { StreamTransport } from "./streamTransport.js";
import type { Transport } from "./transport.js";
import { UdpTransport } from "./udpTransport.js";

export function transportFor(config: SinkConfig, resolver = new HostResolver({ ttlMs: config.resolveTtlMs })): Transport {
  const { host = "", port = 0, connectTimeoutMs } = config;
  switch (config.protocol) {
    case "tcp":
      return new StreamTransport({ host, port, resolver, connectTimeoutMs });
    case "tls":
      return new StreamTransport({ host, port, resolver, connectTimeoutMs, tls: config.tls ?? {} });
    case "udp":
      return new UdpTransport({ host, port, resolver, maxDatagramBytes: config.maxDatagramBytes });
    case "relp":
      return new RelpTransport({ host, port, resolver, connectTimeoutMs });
    case "file":
      return new FileTransport(config.path ?? "");
  }
}
