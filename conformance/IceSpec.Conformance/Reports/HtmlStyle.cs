namespace IceSpec.Conformance.Reports;

/// <summary>The HTML report's stylesheet (inline, so the report is one file).</summary>
internal static class HtmlStyle
{
    public const string Css = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #1d2430; background: #fafbfc; }
        h1 { margin: 0 0 4px; font-size: 24px; }
        h2 { margin: 28px 0 8px; font-size: 19px; border-bottom: 1px solid #d8dde4; padding-bottom: 4px; }
        h2 small { font-weight: normal; color: #5a6472; font-size: 14px; margin-left: 8px; }
        .meta { color: #5a6472; margin: 0 0 8px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; margin-right: 4px; border: 1px solid transparent; }
        .passed .badge, .badge.passed { background: #e3f5e6; color: #1c6b2c; border-color: #a8dcb2; }
        .badge.failed { background: #fde6e6; color: #a31b1b; border-color: #f1a9a9; }
        .badge.unsupported { background: #eef0f3; color: #4d5663; border-color: #cdd3da; }
        .badge.expected { background: #fff4d6; color: #8a5a00; border-color: #f0d58c; }
        .badge.inconclusive { background: #e6f0fb; color: #1f4f86; border-color: #a9c6ea; }
        .badge.unexpected { background: #f3e6fd; color: #6b1fa3; border-color: #cfa8ee; }
        pre.diagram { background: #fff; border: 1px solid #d8dde4; border-radius: 6px; padding: 10px 12px; font-size: 12.5px; overflow-x: auto; }
        .prediction, .measured { margin: 6px 0; }
        .measured { color: #5a6472; font-size: 13px; }
        table { border-collapse: collapse; margin: 10px 0 14px; background: #fff; }
        th, td { border: 1px solid #d8dde4; padding: 6px 10px; text-align: left; vertical-align: top; }
        th { background: #f0f2f5; font-weight: 600; }
        table.matrix th.corner { font-weight: normal; color: #5a6472; font-size: 12px; }
        table.matrix td.cell { min-width: 150px; }
        table.matrix td.cell a { display: block; color: inherit; text-decoration: none; white-space: nowrap; }
        td.cell.passed { background: #e3f5e6; } td.cell.failed { background: #fde6e6; } td.cell.unsupported { background: #eef0f3; }
        td.cell.expected { background: #fff4d6; } td.cell.inconclusive { background: #e6f0fb; } td.cell.unexpected { background: #f3e6fd; } td.cell.none { color: #9aa3ad; }
        .mark { font-weight: bold; }
        #overview { margin: 6px 0 10px; }
        #overview h2 { margin: 8px 0 2px; font-size: 15px; border: 0; padding: 0; }
        #overview h2 small { font-size: 12.5px; margin-left: 6px; }
        .legend { font-size: 12px; color: #3d4653; margin: 4px 0; }
        .legend > span { margin-right: 8px; white-space: nowrap; }
        .legend .filter { margin-left: 8px; font-weight: 600; white-space: nowrap; cursor: pointer; }
        .errors-link { color: #a31b1b; font-weight: 600; margin-left: 8px; }
        .count.failed, .count.unexpected { color: #a31b1b; font-weight: 600; }
        table.ov { border-collapse: separate; border-spacing: 1px; margin: 2px 0; background: none; }
        table.ov th, table.ov td { border: 0; padding: 0; background: none; font-size: 11px; line-height: 16px; text-align: center; vertical-align: middle; }
        table.ov thead th { color: #5a6472; font-weight: 600; }
        table.ov th.group { border-bottom: 1px solid #cdd3da; }
        table.ov th.corner { font-weight: normal; text-align: right; padding-right: 6px; }
        table.ov th.row { text-align: right; padding-right: 6px; font-weight: normal; white-space: nowrap; }
        table.ov th.row a { color: inherit; text-decoration: none; }
        table.ov .g { padding-left: 5px; }
        .o { display: inline-block; min-width: 20px; height: 16px; line-height: 16px; border-radius: 3px; text-align: center; font-size: 11px; text-decoration: none; }
        table.ov.dense th, table.ov.dense td { line-height: 12px; font-size: 10px; }
        table.ov.dense .o { min-width: 10px; width: 10px; height: 12px; line-height: 12px; font-size: 8px; border-radius: 2px; }
        .o.passed { background: #cdebd3; color: #1c6b2c; } .o.failed { background: #d93a3a; color: #fff; }
        .o.unsupported { background: #dfe3e8; color: #4d5663; } .o.expected { background: #f3d27a; color: #6b4700; }
        .o.inconclusive { background: #bcd5f2; color: #1f4f86; } .o.unexpected { background: #9b4bd1; color: #fff; }
        .o.none { color: #9aa3ad; border: 1px dashed #b8c0ca; box-sizing: border-box; }
        a.o:hover { outline: 2px solid #1d2430; }
        body.failures-only table.ov .o:not(.failed):not(.unexpected) { visibility: hidden; }
        body.failures-only details.cell-details:not(.failed):not(.unexpected), body.failures-only tr.not-failing { display: none; }
        .arrived, :target { outline: 3px solid #f0a020; outline-offset: 2px; scroll-margin-top: 8px; }
        details.cell-details { background: #fff; border: 1px solid #d8dde4; border-left-width: 4px; border-radius: 4px; margin: 3px 0; padding: 1px 10px; font-size: 13px; }
        details.cell-details.passed { border-left-color: #3c9a50; } details.cell-details.failed { border-left-color: #d23c3c; }
        details.cell-details.unsupported { border-left-color: #8a94a0; } details.cell-details.expected { border-left-color: #d9a520; }
        summary { cursor: pointer; padding: 2px 0; }
        .detail { color: #3d4653; font-size: 13px; word-break: break-word; }
        .rfc { color: #4d5663; font-size: 12.5px; }
        table.cases { width: 100%; } table.cases td { font-size: 13px; }
        .errors { background: #fde6e6; border: 1px solid #f1a9a9; border-radius: 6px; padding: 4px 14px; margin: 10px 0; }
        .errors h2 { border: 0; margin: 8px 0 0; }
        code { font-size: 12.5px; white-space: nowrap; }
        td.server { min-width: 220px; } td.server .detail { margin-top: 3px; font-size: 12px; }
        """;
}
