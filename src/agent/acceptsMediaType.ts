// Port of libprocess Request::_acceptsMediaType (3rdparty/libprocess/src/http.cpp), which decides the encoding of
// the SUBSCRIBE stream: exact type first, then "type/*", then "*/*"; the first header entry matching a candidate
// decides, and it accepts unless it carries a well-formed q value that is not > 0.

/** stout strings::tokenize: split on any delimiter character, dropping empty tokens. */
function tokenize(text: string, delimiters: string): string[] {
  return text.split(new RegExp(`[${delimiters.replace(/[\\\]^-]/g, "\\$&")}]`)).filter((token) => token !== "");
}

/** stout strings::pairs: "a=1;b=2" -> {a: ["1"], b: ["2"]}; tokens that are not exactly key=value are skipped. */
function pairs(text: string, delimiters1: string, delimiters2: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const token of tokenize(text, delimiters1)) {
    const kv = tokenize(token, delimiters2);
    if (kv.length !== 2) continue;
    const [key, value] = kv as [string, string];
    result.set(key, [...(result.get(key) ?? []), value]);
  }
  return result;
}

/** True when an `Accept` header value (undefined = header absent) allows `mediaType`. */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  const mediaTypes = tokenize(mediaType, "/");
  if (mediaTypes.length !== 2) return false;
  // No header field: the client accepts everything (RFC 7231 5.3.2).
  if (accept === undefined) return true;
  const header = accept.replace(/[ \t\n]/g, "");
  const candidates = [mediaType, `${mediaTypes[0]}/*`, "*/*"];
  for (const candidate of candidates) {
    for (const type of tokenize(header, ",")) {
      const tokens = tokenize(type, ";");
      if (tokens.length === 0) continue;
      if ((tokens[0] as string).toLowerCase() !== candidate.toLowerCase()) continue;
      const q = pairs(type, ";", "=").get("q");
      if (q === undefined || q.length !== 1) return true; // no q value, or a malformed one
      const value = q[0] as string;
      // numify<double>: a plain decimal number; anything else fails, and a failure means "not accepted".
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return false;
      return Number(value) > 0;
    }
  }
  return false;
}
