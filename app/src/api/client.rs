//! The client server functions use: in the browser, the stock fetch client plus the header
//! that tells the server a request came from kfdash's own pages (one of its CSRF checks).

/// Sent with every server function call; a cross-site form cannot add it.
pub const CSRF_HEADER: &str = "x-kfdash-csrf";

#[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
pub type KfdashClient = server_fn::client::browser::BrowserClient;

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub use browser::KfdashClient;

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod browser {
    use bytes::Bytes;
    use futures::{Sink, Stream};
    use server_fn::client::{Client, browser::BrowserClient};
    use server_fn::error::FromServerFnError;
    use server_fn::request::browser::BrowserRequest;
    use server_fn::response::browser::BrowserResponse;
    use std::future::Future;

    pub struct KfdashClient;

    impl<E: FromServerFnError, IS: FromServerFnError, OS: FromServerFnError> Client<E, IS, OS>
        for KfdashClient
    {
        type Request = BrowserRequest;
        type Response = BrowserResponse;

        fn send(request: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
            request.headers().set(super::CSRF_HEADER, "1");
            <BrowserClient as Client<E, IS, OS>>::send(request)
        }

        #[allow(clippy::type_complexity)]
        fn open_websocket(
            url: &str,
        ) -> impl Future<
            Output = Result<
                (
                    impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                    impl Sink<Bytes> + Send + 'static,
                ),
                E,
            >,
        > + Send {
            <BrowserClient as Client<E, IS, OS>>::open_websocket(url)
        }

        fn spawn(future: impl Future<Output = ()> + Send + 'static) {
            <BrowserClient as Client<E, IS, OS>>::spawn(future)
        }
    }
}
