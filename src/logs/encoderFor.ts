// One Encoder per sink, by format and framing (the words of the sink configuration: `format=syslog` over TCP is
// octet-counted, over UDP unframed, and so on). An impossible pair is a RangeError, raised when the sink is set up.
import { encodeJsonLine, jsonLineText } from "./jsonLinesEncoder.js";
import { gelfEncoder } from "./gelfEncoder.js";
import type { Encoder } from "./logEvent.js";
import { encodeLogfmt, logfmtText } from "./logfmtEncoder.js";
import type { SinkFormat, SinkFraming } from "./ship/sinkConfig.js";
import { syslogEncoder, type SyslogEncoderOptions } from "./syslogEncoder.js";

export interface EncoderForOptions {
  /** Syslog's facility and fixed header values. */
  readonly syslog?: Omit<SyslogEncoderOptions, "framing">;
  /** GELF's `host` instead of the event's `srchost`. */
  readonly gelfHost?: string;
}

export function encoderFor(format: SinkFormat, framing: SinkFraming, options: EncoderForOptions = {}): Encoder {
  switch (format) {
    case "json_lines":
      if (framing === "newline") return encodeJsonLine;
      if (framing === "none") return (event) => Buffer.from(jsonLineText(event).slice(0, -1), "utf8");
      break;
    case "logfmt":
      if (framing === "newline") return encodeLogfmt;
      if (framing === "none") return (event) => Buffer.from(logfmtText(event).slice(0, -1), "utf8");
      break;
    case "syslog":
      if (framing === "octet-counted" || framing === "none") return syslogEncoder({ ...options.syslog, framing });
      break;
    case "gelf":
      if (framing === "nul" || framing === "none") return gelfEncoder({ framing, ...(options.gelfHost !== undefined ? { host: options.gelfHost } : {}) });
      break;
  }
  throw new RangeError(`no ${framing} framing for the ${format} format`);
}
