// What: the TLS configuration of OpenFlow ssl:/pssl: controller targets — three PEM files named
// by daemon flags, as ovs-vswitchd takes them (`--private-key`, `--certificate`, `--ca-cert`).
//
// Design: the paths are daemon settings, not persisted configuration: key material stays where
// the operator keeps it and is never copied into the journal. The files are read each time an
// ssl:/pssl: target opens, so a renewed certificate is used from the next (re)configuration.
// All three or none: a partial set is a start-up error naming what is missing.
//
// Threading: main thread; reads synchronously (small files, only when a TLS target opens).

import { readFileSync } from "node:fs";
import type { TlsFiles } from "../../openflow/channel/transports.ts";

export interface SslFiles {
  privateKey?: string;
  certificate?: string;
  caCert?: string;
}

/** Throws unless all three paths are given or none is. */
export function checkSslFiles(ssl: SslFiles | undefined): void {
  const given = [ssl?.privateKey, ssl?.certificate, ssl?.caCert].filter((p) => p !== undefined).length;
  if (given !== 0 && given !== 3) {
    throw new Error("TLS for ssl:/pssl: controllers needs all of --private-key, --certificate and --ca-cert");
  }
}

/** A loader for OfConnections' `tls` option: the files' contents, or undefined if none are set. */
export function sslLoader(ssl: SslFiles | undefined): () => TlsFiles | undefined {
  checkSslFiles(ssl);
  return () => {
    if (!ssl?.privateKey || !ssl.certificate || !ssl.caCert) return undefined;
    return { key: readFileSync(ssl.privateKey), cert: readFileSync(ssl.certificate), ca: readFileSync(ssl.caCert) };
  };
}
