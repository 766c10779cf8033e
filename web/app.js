// TRD3.0-boten: small page behaviours Gradio lacks (runs once the page has loaded).
