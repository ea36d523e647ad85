// Two sender domains from a TypeScript program, with the dms package's SenderDomain.
//
// ./sdk is the package's generated Node.js SDK: `pulumi package gen-sdk <plugin> --language nodejs` with a
// normal Pulumi install, here scripts/ensure-pulumi.sh's pulumi-gen-nodejs-sdk (README, "From TypeScript").
//
// Stack config: zone, server (HOST[:PORT] of the zone's primary), tsigName, tsigSecret (a secret), quota,
// smtpPassword (noreply@notify's SMTP password, a secret).
import * as pulumi from "@pulumi/pulumi";
import * as dms from "./sdk";

const config = new pulumi.Config();
const zone = config.require("zone");
const dns: dms.types.input.DnsArgs = {
    rfc2136: {
        zone,
        server: config.require("server"),
        tsigName: config.require("tsigName"),
        tsigSecret: config.requireSecret("tsigSecret"),
    },
};
// The default ledger: SQLite in .state/ledger.sqlite of this folder.
const ledger: dms.types.input.LedgerArgs = { sqlite: { quota: config.getNumber("quota") ?? 5 } };

const notifyDomain = new dms.SenderDomain("notify", {
    domain: `notify.${zone}`,
    type: dms.MailType.TRIGGERED,
    dns,
    ledger,
    // Made in the `pulumi up` that verifies the domain.
    senders: [{ address: "noreply", senderName: "Example Notifications", password: config.requireSecret("smtpPassword") }],
});
const newsDomain = new dms.SenderDomain("news", {
    domain: `news.${zone}`,
    type: dms.MailType.BATCH,
    dmarcPolicy: dms.DmarcPolicy.QUARANTINE,
    dns,
    ledger,
    // Batch mail: the one-click unsubscribe link (English) by default; the password in smtpPasswords, a secret.
    senders: [{ address: "news", senderName: "Example News", generatePassword: true }],
});

export const notify = { status: notifyDomain.status, records: notifyDomain.records };
export const news = { status: newsDomain.status, records: newsDomain.records };
