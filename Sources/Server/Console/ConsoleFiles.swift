/// The web console's static files, compiled into the binary (SwiftPM
/// `.embedInCode("Console/Files")` generates `PackageResources`). The table
/// is the only way a request reaches a file: a request path is looked up
/// here verbatim, never used to build a file-system path.
enum ConsoleFiles {
    struct File {
        let bytes: [UInt8]
        let contentType: String
    }

    static let prefix = "/console/"

    private static let html = "text/html; charset=utf-8"
    private static let js = "text/javascript; charset=utf-8"
    private static let css = "text/css; charset=utf-8"

    /// Request path (below `/console/`) → file. `""` is the page itself.
    static let table: [String: File] = [
        "": File(bytes: PackageResources.index_html, contentType: html),
        "index.html": File(bytes: PackageResources.index_html, contentType: html),
        "console.css": File(bytes: PackageResources.console_css, contentType: css),
        "favicon.svg": File(bytes: PackageResources.favicon_svg, contentType: "image/svg+xml"),
        "iontest.html": File(bytes: PackageResources.iontest_html, contentType: html),
        "js/app.js": File(bytes: PackageResources.app_js, contentType: js),
        "js/dom.js": File(bytes: PackageResources.dom_js, contentType: js),
        "js/bytes.js": File(bytes: PackageResources.bytes_js, contentType: js),
        "js/sigv4.js": File(bytes: PackageResources.sigv4_js, contentType: js),
        "js/aws.js": File(bytes: PackageResources.aws_js, contentType: js),
        "js/control.js": File(bytes: PackageResources.control_js, contentType: js),
        "js/session.js": File(bytes: PackageResources.session_js, contentType: js),
        "js/ion-model.js": File(bytes: PackageResources.ion_model_js, contentType: js),
        "js/ion-text-reader.js": File(bytes: PackageResources.ion_text_reader_js, contentType: js),
        "js/ion-text-writer.js": File(bytes: PackageResources.ion_text_writer_js, contentType: js),
        "js/ion-binary-reader.js": File(bytes: PackageResources.ion_binary_reader_js, contentType: js),
        "js/ion-hash.js": File(bytes: PackageResources.ion_hash_js, contentType: js),
        "js/qldb-hash.js": File(bytes: PackageResources.qldb_hash_js, contentType: js),
        "js/verifier.js": File(bytes: PackageResources.verifier_js, contentType: js),
        "js/digest-file.js": File(bytes: PackageResources.digest_file_js, contentType: js),
        "js/partiql-highlight.js": File(bytes: PackageResources.partiql_highlight_js, contentType: js),
        "js/page-signin.js": File(bytes: PackageResources.page_signin_js, contentType: js),
        "js/page-ledgers.js": File(bytes: PackageResources.page_ledgers_js, contentType: js),
        "js/page-query.js": File(bytes: PackageResources.page_query_js, contentType: js),
        "js/page-tables.js": File(bytes: PackageResources.page_tables_js, contentType: js),
        "js/page-digest.js": File(bytes: PackageResources.page_digest_js, contentType: js),
        "js/page-verify.js": File(bytes: PackageResources.page_verify_js, contentType: js),
        "js/page-cluster.js": File(bytes: PackageResources.page_cluster_js, contentType: js),
        "js/chart.js": File(bytes: PackageResources.chart_js, contentType: js),
        "js/iontest.js": File(bytes: PackageResources.iontest_js, contentType: js),
    ]

    /// The file for a request path (`/console/…`, query already removed), or nil.
    static func file(forPath path: String) -> File? {
        guard path.hasPrefix(prefix) else { return nil }
        return table[String(path.dropFirst(prefix.count))]
    }
}
