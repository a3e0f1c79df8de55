import Dataset
import Foundation

/// Writes `report.html`: one self-contained file (figures inline as PNG data, no external script,
/// style or font), readable offline in any browser. Sections: the run, the data, the models, the
/// results table (sortable by any column, best rows marked), the interpretation, the views, the
/// colour quantisation and the conclusions. A small script checks on load that every image decoded
/// and every section has content, and records the outcome in `<body data-check>` for the
/// headless-browser check (`benchmarks/report_check.sh`).
public struct ReportWriter {
    public let record: StudyRecord
    public let outputDirectory: String

    public init(record: StudyRecord, outputDirectory: String) {
        (self.record, self.outputDirectory) = (record, outputDirectory)
    }

    public var path: String { outputDirectory + "/report.html" }

    public func write() throws {
        try AtomicFile.write(Data(try html().utf8), to: path)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `**bold**` and `` `code` `` in generated prose.
    static func prose(_ s: String) -> String {
        var out = "", bold = false, code = false
        var chars = Array(escape(s))[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "*" && chars.first == "*" { chars = chars.dropFirst(); out += bold ? "</strong>" : "<strong>"; bold.toggle() }
            else if c == "`" { out += code ? "</code>" : "<code>"; code.toggle() }
            else { out.append(c) }
        }
        return out + (bold ? "</strong>" : "") + (code ? "</code>" : "")
    }

    private func f(_ v: Double?, _ digits: Int = 4) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }

    func html() throws -> String {
        var body: [String] = []
        body.append(header())
        body.append(section("run", "The run", runSection()))
        body.append(section("data", "The data", dataSection() + figures("data")))
        body.append(section("models", "The models", modelsSection() + figures("models")))
        body.append(section("results", "Results: every feature set with every method", resultsSection()))
        body.append(section("interpretation", "Interpretation: clusters read as classes", interpretationSection() + figures("interpretation")))
        body.append(section("views", "Views", figures("views")))
        body.append(section("quantize", "Colour quantisation", quantizeSection() + figures("quantize")))
        body.append(section("conclusions", "Conclusions", record.conclusions.map { "<p>\(Self.prose($0))</p>" }.joined(separator: "\n")))
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Fashion-MNIST clustering study — fmnist</title>
        <style>\(Self.style)</style>
        </head>
        <body data-check="pending">
        <nav>\(["run", "data", "models", "results", "interpretation", "views", "quantize", "conclusions"].map { "<a href=\"#\($0)\">\($0)</a>" }.joined(separator: " · "))</nav>
        <main>
        \(body.joined(separator: "\n"))
        </main>
        <script>\(Self.script)</script>
        </body>
        </html>
        """
    }

    private func section(_ id: String, _ title: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(Self.escape(title))</h2>\n\(content.isEmpty ? "<p class=\"empty\">Nothing was produced for this section; see the stage table.</p>" : content)\n</section>"
    }

    private func header() -> String {
        let images = record.profile.allImages ? "all 70,000 images" : "the 10,000 test images"
        return "<header><h1>Fashion-MNIST clustering study</h1><p class=\"lead\">\(record.profile.name.rawValue) profile on \(images), "
            + "\(Self.escape(record.backend)), seed \(record.seed), started \(Self.escape(record.started)), "
            + "\(String(format: "%.1f", record.seconds)) s in all. Labels are used only to score.</p></header>"
    }

    private func table(_ head: [String], _ rows: [[String]], id: String? = nil, sortable: Bool = false, rowClasses: [String] = []) -> String {
        var out = "<table\(id.map { " id=\"\($0)\"" } ?? "")\(sortable ? " class=\"sortable\"" : "")><thead><tr>"
        out += head.map { "<th>\(Self.escape($0))</th>" }.joined()
        out += "</tr></thead><tbody>"
        for (i, row) in rows.enumerated() {
            let cls = i < rowClasses.count && !rowClasses[i].isEmpty ? " class=\"\(rowClasses[i])\"" : ""
            out += "<tr\(cls)>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>"
    }

    private func runSection() -> String {
        let p = record.profile
        let settings = "Models trained on \(p.trainingLimit.map { "the first \($0)" } ?? "all") training-split images "
            + "(autoencoders \(p.autoencoderEpochs) epochs, classifiers \(p.classifierEpochs)); bottlenecks \(p.latents.map(String.init).joined(separator: ", ")); "
            + "PCA / NMF / UMAP sizes \(p.components.map(String.init).joined(separator: ", ")); silhouette on \(p.silhouetteSample) sampled points; "
            + "Ward and HDBSCAN on feature sets of at most \(p.hierarchicalMaxDim) dimensions; IDEC self-training for at most "
            + "\(p.selfTrainingIterations) batches."
        let rows = record.stages.map { s in
            [s.name, s.status.rawValue, String(format: "%.1f", s.seconds), "\(s.computed)", "\(s.cached)", s.failures.joined(separator: "; ")]
        }
        let slowest = record.stages.flatMap { s in (s.artefacts ?? []).map { (s.name, $0) } }
            .sorted { $0.1.seconds > $1.1.seconds }.prefix(15)
            .map { [$0.0, $0.1.name, String(format: "%.1f", $0.1.seconds)] }
        return "<p>\(Self.escape(settings))</p>" + table(["stage", "status", "seconds", "computed", "from cache", "failures"], rows)
            + (slowest.isEmpty ? "" : "<h3>Slowest artefacts</h3>" + table(["stage", "artefact", "seconds"], Array(slowest)))
    }

    private func dataSection() -> String {
        guard let d = record.data else { return "" }
        let rows = d.classNames.indices.map { c in
            [d.classNames[c], "\(d.train[c])", "\(d.validation[c])", "\(d.test[c])", "\(d.clustered[c])"]
        } + [["total", "\(d.train.reduce(0, +))", "\(d.validation.reduce(0, +))", "\(d.test.reduce(0, +))", "\(d.clustered.reduce(0, +))"]]
        return table(["class", "train", "validation", "test", "clustered"], rows)
            + "<p>" + String(format: "Pixel values in [0, 1]: mean %.4f, standard deviation %.4f over the clustered images; "
                + "central 14 × 14 pixels mean %.4f (std %.4f), 4-pixel border mean %.4f (std %.4f).",
                             d.pixelMean, d.pixelStd, d.centreMean, d.centreStd, d.borderMean, d.borderStd) + "</p>"
    }

    private func modelsSection() -> String {
        let autoencoders = record.models.filter { $0.reconstructionMSE != nil }
        let classifiers = record.models.filter { $0.accuracy != nil }
        var out = ""
        if !autoencoders.isEmpty {
            out += "<h3>Autoencoders</h3>" + table(["model", "architecture", "epochs", "training images", "train seconds", "final train loss", "test MSE per pixel"],
                autoencoders.map { [$0.name, $0.architecture, "\($0.epochs)", "\($0.trainingImages)", trainSeconds($0),
                                    f($0.finalLoss, 5), f($0.reconstructionMSE, 5)] })
        }
        if !classifiers.isEmpty {
            out += "<h3>Classifiers (seed 003's table)</h3>" + table(["model", "architecture", "epochs", "train seconds", "accuracy", "macro precision",
                                                                     "macro recall", "macro F1"],
                classifiers.map { [$0.name, $0.architecture, "\($0.epochs)", trainSeconds($0), f($0.accuracy),
                                   f($0.macroPrecision), f($0.macroRecall), f($0.macroF1)] })
            let names = FashionMNIST.classNames
            out += "<h3>Per-class F1 on the test split</h3>" + table(["class"] + classifiers.map(\.name), names.indices.map { c in
                [names[c]] + classifiers.map { m in m.f1.map { c < $0.count ? String(format: "%.3f", $0[c]) : "–" } ?? "–" }
            })
        }
        return out
    }

    /// Training time as measured when the model was trained (also for a model taken from the cache).
    private func trainSeconds(_ m: ModelSummary) -> String { f(m.seconds, 1) + (m.cached ? " (cached)" : "") }

    private func resultsSection() -> String {
        let ranked = ResultsTable.ranked(record.rows)
        guard !ranked.isEmpty else { return "" }
        // The scores right after the method; the parameters (long for some methods) last, so the
        // scores stay in view on a narrow window.
        func ordered(_ cells: [(String, String)]) -> [(String, String)] {
            let kept = cells.filter { $0.0 != "error" }
            return kept.filter { $0.0 != "parameters" } + kept.filter { $0.0 == "parameters" }
        }
        let columns = ordered(ranked[0].columns).map(\.0)
        let scored = ranked.filter { $0.ami != nil && !$0.supervised }
        let bestAMI = scored.first?.ami
        let bestARI = scored.compactMap(\.ari).max()
        let classes = ranked.map { r -> String in
            if r.supervised { return "supervised" }
            if r.ami != nil && r.ami == bestAMI { return "best" }
            if r.ari != nil && r.ari == bestARI { return "best-ari" }
            return ""
        }
        let rows = ranked.map { r in ordered(r.columns).map(\.1) }
        let failed = record.stages.flatMap { s in s.failures.map { "\(s.name): \($0)" } }
        return "<p>\(ranked.count) pipelines, best first by AMI. Click a column heading to sort by it (again to reverse). "
            + "<span class=\"best\">Highlighted</span>: the best AMI; <span class=\"best-ari\">outlined</span>: the best ARI, both among "
            + "unsupervised rows; <span class=\"supervised\">grey</span>: features the CNN learned from the labels (not unsupervised). "
            + "Accuracy uses the best one-to-one matching of clusters to classes (Hungarian); silhouette, Calinski-Harabasz and "
            + "Davies-Bouldin are computed on the features, without noise points. Time and peak memory are those measured when the "
            + "row was computed; peak memory is what the clustering added to the process's resident size. The same rows are in <code>results.csv</code> and <code>results.json</code>.</p>"
            + table(columns.map { $0.replacingOccurrences(of: "_", with: " ") }, rows, id: "results-table", sortable: true, rowClasses: classes)
            + (failed.isEmpty ? "" : "<h3>Failures</h3><ul>" + failed.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>")
    }

    private func interpretationSection() -> String {
        record.interpretations.map { reading in
            "<h3>\(Self.escape(reading.pipeline)) — \(Self.escape(reading.why))</h3>"
                + table(["cluster", "images", "classes (share of the cluster)"], reading.clusters.map { c in
                    ["\(c.id)", "\(c.size)", c.classes.map { "\($0.name) \(Int(($0.share * 100).rounded())) %" }.joined(separator: ", ")]
                })
                + (reading.noise > 0 ? "<p>\(reading.noise) images are noise (in no cluster).</p>" : "")
        }.joined(separator: "\n")
    }

    private func quantizeSection() -> String {
        guard let q = record.quantization else { return "" }
        return "<p>\(Self.escape(q.image)) (\(q.width) × \(q.height) pixels, from Debian's <code>python-matplotlib-data</code>), "
            + "K-means on its RGB pixels on the backend.</p>"
            + table(["k", "mean squared error per channel (0–255)"], zip(q.ks, q.meanSquaredErrors).map { ["\($0)", String(format: "%.2f", $1)] })
    }

    private func figures(_ section: String) -> String {
        record.figures.filter { $0.section == section }.compactMap { figure -> String? in
            guard let data = FileManager.default.contents(atPath: outputDirectory + "/" + figure.file) else { return nil }
            return "<figure><img alt=\"\(Self.escape(figure.title))\" src=\"data:image/png;base64,\(data.base64EncodedString())\">"
                + "<figcaption><strong>\(Self.escape(figure.title)).</strong> \(Self.escape(figure.caption))</figcaption></figure>"
        }.joined(separator: "\n")
    }

    static let style = """
    body{font:15px/1.5 "DejaVu Sans",system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
    nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 24px;z-index:1}
    nav a{color:#1f77b4;text-decoration:none}
    main{max-width:1200px;margin:0 auto;padding:0 24px 48px}
    header h1{margin:24px 0 4px}
    .lead{color:#555}
    section{background:#fff;border:1px solid #e4e4e4;border-radius:6px;padding:4px 20px 16px;margin:20px 0}
    table{border-collapse:collapse;margin:10px 0;font-size:13px;display:block;overflow-x:auto}
    th,td{border-bottom:1px solid #e6e6e6;padding:3px 8px;text-align:right;white-space:nowrap}
    th:first-child,td:first-child{text-align:left}
    #results-table td:last-child{text-align:left;white-space:normal;min-width:24em}
    table.sortable th{cursor:pointer;background:#f3f3f3;position:sticky;top:0}
    table.sortable th.sorted-asc::after{content:" ▲"} table.sortable th.sorted-desc::after{content:" ▼"}
    tr.best td,span.best{background:#fff3c4} tr.supervised td,span.supervised{color:#888} tr.best-ari td{outline:1px solid #e0a800} span.best-ari{outline:1px solid #e0a800}
    figure{margin:16px 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
    figcaption{color:#444;font-size:13px;max-width:900px}
    .empty{color:#a00}
    code{background:#f2f2f2;padding:0 3px}
    """

    /// Sorting by column (numbers numerically, empty cells last) and the load-time self-check.
    static let script = """
    (function(){
      var errors=[];
      window.addEventListener('error',function(e){errors.push(String(e.message||e));});
      ['error','warn'].forEach(function(level){
        var original=console[level];
        console[level]=function(){errors.push(level+': '+Array.prototype.join.call(arguments,' '));original.apply(console,arguments);};
      });
      document.querySelectorAll('table.sortable').forEach(function(table){
        var heads=table.querySelectorAll('th');
        heads.forEach(function(th,col){
          th.addEventListener('click',function(){
            var asc=!th.classList.contains('sorted-asc');
            heads.forEach(function(h){h.classList.remove('sorted-asc','sorted-desc');});
            th.classList.add(asc?'sorted-asc':'sorted-desc');
            var body=table.tBodies[0];
            var rows=Array.prototype.slice.call(body.rows);
            rows.sort(function(a,b){
              var x=a.cells[col].textContent.trim(),y=b.cells[col].textContent.trim();
              if(x===''||x==='–')return 1; if(y===''||y==='–')return -1;
              var p=parseFloat(x),q=parseFloat(y);
              var c=(!isNaN(p)&&!isNaN(q)&&String(p)!=='NaN'&&/^-?[0-9.]/.test(x)&&/^-?[0-9.]/.test(y))?p-q:x.localeCompare(y);
              return asc?c:-c;
            });
            rows.forEach(function(r){body.appendChild(r);});
          });
        });
      });
      var only=new URLSearchParams(location.search).get('section');
      if(only){document.querySelectorAll('section').forEach(function(s){if(s.id!==only)s.style.display='none';});}
      window.addEventListener('load',function(){
        var problems=errors.slice();
        document.querySelectorAll('img').forEach(function(img){
          if(!img.complete||img.naturalWidth===0)problems.push('broken image: '+img.alt);
        });
        document.querySelectorAll('section').forEach(function(s){
          if(s.querySelector('.empty')||s.textContent.trim().length<40)problems.push('empty section: '+s.id);
        });
        var t=document.getElementById('results-table');
        if(!t||t.tBodies[0].rows.length===0)problems.push('no results table');
        document.body.setAttribute('data-check',problems.length?('fail: '+problems.join(' | ')):'ok');
      });
    })();
    """
}
