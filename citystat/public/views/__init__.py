"""The residents' site's views, by subject: plan.py (home, priorities, goals, measures),
places.py (neighborhoods, districts, near me), search.py, method.py (how we measure),
about.py (the footer's pages and the language switch) and errors.py (404 and 500).

Each view is thin: what a page shows is worked out in the plain modules beside this
package (plan_pages.py, plan_bodies.py, place_report.py, search_index.py, …).
"""
