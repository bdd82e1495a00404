package io.cairn.server.chaos;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The outcome of a {@link Campaign}: the faults and what each cost, what was acknowledged, lost, duplicated and
 * reordered, what the group did, and the longest unavailability; as text (its last line {@code faults F, acked A,
 * lost L, duplicated D}), as JSON, and as a self-contained HTML page with a timeline of acknowledgements per
 * second and the faults over it.
 */
public record ChaosReport(Campaign.Settings settings, List<Integer> nodes, List<Campaign.Fault> faults,
                   Ledger.Verdict verdict, long failedSends, String transactions, List<String> groupViolations,
                   int groupResumes,
                   Availability.Gap longestGap, List<Long> ackedPerSecond, List<String> errors, long elapsedMs) {

    /** Nothing acknowledged was lost, duplicated or reordered, the group kept its promises, nothing failed. */
    public boolean passed() {
        return verdict.clean() && groupViolations.isEmpty() && errors.isEmpty();
    }

    public String text() {
        StringWriter out = new StringWriter();
        out.write(String.format(Locale.ROOT, "cairn chaos: seed %d, %.1f s, nodes %s, topic %s (%d partitions), "
                        + "%d idempotent acks=all producers (%d records/s)%s, 1 consumer group%n", settings.seed(),
                elapsedMs / 1000.0, nodes, settings.topic(), settings.partitions(), settings.producers(),
                settings.recordsPerSecond(), settings.transactions() ? ", 1 transactional producer" : ""));
        for (Campaign.Fault f : faults) {
            out.write(String.format(Locale.ROOT, "fault %3d at %7.1f s: %s; a record sent after it acknowledged "
                            + "on every partition %s later, cluster whole %,d ms after the %s%n", f.index(), f.atMs() / 1000.0,
                    f.describe(), f.ackedAgainAfterMs() < 0 ? "never" : String.format(Locale.ROOT, "%,d ms",
                            f.ackedAgainAfterMs()), f.wholeAfterMs(), f.kind().equals("kill") ? "restart" : "resume"));
        }
        out.write(String.format(Locale.ROOT, "acknowledged %,d records; read back %,d (%,d sends failed and were "
                + "never acknowledged)%n", verdict.acked(), verdict.read(), failedSends));
        if (transactions != null) {
            out.write("transactions: " + transactions + "\n");
        }
        out.write(String.format(Locale.ROOT, "lost %d, duplicated %d, reordered %d%s%n", verdict.lost(),
                verdict.duplicated(), verdict.reordered(), transactions == null ? ""
                        : ", aborted records read " + verdict.abortedRead()));
        verdict.examples().forEach(e -> out.write("  " + e + "\n"));
        out.write(groupViolations.isEmpty()
                ? "group: commits only grew, resumed from its commit at every assignment (" + groupResumes
                        + "), read every acknowledged record\n"
                : "group: " + String.join("; ", groupViolations) + "\n");
        if (longestGap != null) {
            out.write(String.format(Locale.ROOT, "longest unavailability: %,d ms (partition %d, from %.1f s)%n",
                    longestGap.lengthMs(), longestGap.partition(), longestGap.fromMs() / 1000.0));
        }
        errors.forEach(e -> out.write("error: " + e + "\n"));
        out.write(String.format(Locale.ROOT, "faults %d, acked %d, lost %d, duplicated %d%n", faults.size(),
                verdict.acked(), verdict.lost(), verdict.duplicated()));
        return out.toString();
    }

    public String json() {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            json.writeStartObject();
            json.writeNumberField("seed", settings.seed());
            json.writeStringField("topic", settings.topic());
            json.writeNumberField("partitions", settings.partitions());
            json.writeNumberField("producers", settings.producers());
            json.writeNumberField("recordsPerSecond", settings.recordsPerSecond());
            json.writeNumberField("elapsedMs", elapsedMs);
            json.writeArrayFieldStart("nodes");
            for (int node : nodes) {
                json.writeNumber(node);
            }
            json.writeEndArray();
            json.writeBooleanField("passed", passed());
            json.writeNumberField("faultCount", faults.size());
            json.writeNumberField("acked", verdict.acked());
            json.writeNumberField("read", verdict.read());
            json.writeNumberField("lost", verdict.lost());
            json.writeNumberField("duplicated", verdict.duplicated());
            json.writeNumberField("reordered", verdict.reordered());
            json.writeNumberField("abortedRead", verdict.abortedRead());
            if (transactions != null) {
                json.writeStringField("transactions", transactions);
            }
            json.writeNumberField("failedSends", failedSends);
            json.writeNumberField("longestUnavailabilityMs", longestGap == null ? 0 : longestGap.lengthMs());
            strings(json, "examples", verdict.examples());
            strings(json, "groupViolations", groupViolations);
            json.writeNumberField("groupResumes", groupResumes);
            strings(json, "errors", errors);
            json.writeArrayFieldStart("faults");
            for (Campaign.Fault f : faults) {
                json.writeStartObject();
                json.writeNumberField("index", f.index());
                json.writeNumberField("atMs", f.atMs());
                json.writeStringField("kind", f.kind());
                json.writeNumberField("node", f.node());
                json.writeStringField("role", f.role());
                json.writeNumberField("lengthMs", f.lengthMs());
                json.writeNumberField("ackedAgainAfterMs", f.ackedAgainAfterMs());
                json.writeNumberField("wholeAfterMs", f.wholeAfterMs());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("ackedPerSecond");
            for (long count : ackedPerSecond) {
                json.writeNumber(count);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void strings(JsonGenerator json, String field, List<String> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    /** One page, no scripts or links: a bar per second of acknowledgements, a band per fault, the summary. */
    public String html() {
        int width = 1000;
        int height = 200;
        int seconds = Math.max(1, Math.max(ackedPerSecond.size(), (int) (elapsedMs / 1000) + 1));
        long max = Math.max(1, ackedPerSecond.stream().mapToLong(Long::longValue).max().orElse(1));
        double perSecond = (double) width / seconds;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "viewBox='0 0 %d %d'>", width, height + 20, width, height + 20));
        for (Campaign.Fault f : faults) {
            double x = f.atMs() / 1000.0 * perSecond;
            double w = Math.max(1, (f.lengthMs() + Math.max(0, f.ackedAgainAfterMs() - f.lengthMs())) / 1000.0
                    * perSecond);
            svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='0' width='%.1f' height='%d' fill='%s' "
                    + "opacity='0.35'><title>%s</title></rect>", x, w, height,
                    f.kind().equals("kill") ? "#d62728" : "#ff9f1c", escape("fault " + f.index() + ": " + f.describe())));
        }
        for (int s = 0; s < ackedPerSecond.size(); s++) {
            double h = (double) ackedPerSecond.get(s) / max * (height - 10);
            svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
                    + "fill='#1f77b4'><title>%d s: %d acknowledged</title></rect>", s * perSecond, height - h,
                    Math.max(0.5, perSecond - 0.5), h, s, ackedPerSecond.get(s)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='0' y='%d' font-size='12'>0 s</text><text x='%d' y='%d' "
                + "font-size='12' text-anchor='end'>%d s</text></svg>", height + 15, width, height + 15, seconds));
        return "<!DOCTYPE html><html><head><meta charset='utf-8'><title>cairn chaos, seed " + settings.seed()
                + "</title><style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}"
                + "</style></head><body><h1>cairn chaos: " + (passed() ? "passed" : "FAILED") + "</h1>"
                + "<p>Acknowledged records per second (blue); kills (red) and pauses (orange), each band from the "
                + "fault until a record sent after it was acknowledged on every partition.</p>" + svg + "<pre>" + escape(text())
                + "</pre></body></html>\n";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
