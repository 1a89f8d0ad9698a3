"""The park and local government's cockpit (园区驾驶舱): portfolio, live screen, park credit."""
