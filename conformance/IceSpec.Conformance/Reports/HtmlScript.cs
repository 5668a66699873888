namespace IceSpec.Conformance.Reports;

/// <summary>
/// The HTML report's script (inline, plain, nothing loaded: the report works from a file:// URL): the "failures only"
/// checkbox sets <c>body.failures-only</c> (the stylesheet hides what passed), and arriving at a cell's or case run's
/// anchor opens its details (and those around it), marks it <c>.arrived</c> and scrolls it to the top.
/// </summary>
internal static class HtmlScript
{
    public const string Js = """
        (function () {
          var filter = document.getElementById('failures-only');
          function applyFilter() { document.body.classList.toggle('failures-only', !!(filter && filter.checked)); }
          function arrive() {
            var id;
            try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
            var target = id && document.getElementById(id);
            if (!target) return;
            for (var e = target; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true;
            if (filter && filter.checked && !target.checkVisibility()) { filter.checked = false; applyFilter(); }
            document.querySelectorAll('.arrived').forEach(function (e) { e.classList.remove('arrived'); });
            target.classList.add('arrived');
            target.scrollIntoView({ block: 'start' });
          }
          if (filter) filter.addEventListener('change', applyFilter);
          window.addEventListener('hashchange', arrive);
          applyFilter();
          arrive();
        })();
        """;
}
