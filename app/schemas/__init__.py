"""Public shapes shared by the services, the API and the pages (pydantic), and the text limits they obey."""
