"""English formats: months spelt out, as on an official document ("August 3, 2027", not
Django's "Aug. 3, 2027"). https://docs.djangoproject.com/en/6.0/topics/i18n/formatting/"""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, P"
