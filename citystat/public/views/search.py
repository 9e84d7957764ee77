"""The site search page; the search itself is citystat/public/search_index.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.public.search_index import clean_query, highlight, search, snippet, terms_of


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    text = clean_query(request.GET.get("q", ""))
    terms = terms_of(text)
    results = search(text) if terms else []
    shown = [
        {
            "result": result,
            "title": highlight(result.title, terms),
            "text": highlight(snippet(result.text, terms), terms),
        }
        for result in results
    ]
    return render(
        request, "public/search.html", {"query": text, "results": shown, "count": len(shown)}
    )
