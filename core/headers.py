class PermissionsPolicyMiddleware:
    """Django sets the other security headers; this one it leaves to us. The app needs no
    camera, microphone, location or payment APIs, so none is granted to any page."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        return response
