from django.urls import path

from oversight import drill_views, monthly_views, views

urlpatterns = [
    path("oversight/overdue/", views.overdue_audit, name="overdue_audit"),
    path("oversight/overdue/export.xlsx", views.overdue_export, name="overdue_export"),
    path("oversight/rates/", views.rates_page, name="rates"),
    path("oversight/rates/persons/", drill_views.rates_persons, name="rates_persons"),
    path("oversight/rates/export.xlsx", views.rates_export, name="rates_export"),
    path("oversight/monthly-report/", monthly_views.monthly_report_page, name="monthly_report"),
    path(
        "oversight/monthly-report/<int:township>/<int:year>-<int:month>.pdf",
        monthly_views.monthly_report_pdf,
        name="monthly_report_pdf",
    ),
    path(
        "oversight/monthly-report/<int:township>/<int:year>-<int:month>/status/",
        monthly_views.monthly_report_status,
        name="monthly_report_status",
    ),
]
