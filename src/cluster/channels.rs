//! Worker channels that name their worker in every error.
//!
//! datafusion-distributed reports a worker that dies mid-query as the transport saw it
//! ("h2 protocol error: error reading a body from connection"), with no word of which worker.
//! An operator needs the name to act, so every channel SHAPE opens wraps its errors, the
//! request's and each streamed batch's, in the worker's URL.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion_distributed::grpc::DefaultChannelResolver;
use datafusion_distributed::{
    ChannelResolver, CoordinatorToWorkerMsg, ExecuteTaskRequest, GetWorkerInfoRequest,
    GetWorkerInfoResponse, SetPlanRequest, WorkerChannel, WorkerToCoordinatorMsg,
};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use tonic::codegen::http::HeaderMap;
use url::Url;

/// The library's channel cache, with each channel's errors naming its worker.
#[derive(Clone, Default)]
pub struct NamedChannels {
    inner: DefaultChannelResolver,
}

#[async_trait]
impl ChannelResolver for NamedChannels {
    async fn get_worker_client_for_url(&self, url: &Url) -> Result<Box<dyn WorkerChannel>> {
        let inner = self
            .inner
            .get_worker_client_for_url(url)
            .await
            .map_err(|e| naming(url, e))?;
        Ok(Box::new(NamedChannel {
            url: Arc::new(url.clone()),
            inner,
        }))
    }
}

struct NamedChannel {
    url: Arc<Url>,
    inner: Box<dyn WorkerChannel>,
}

/// `error` with the worker it came from in front; once only (a stage's error can pass
/// through the channel of the stage that consumes it).
pub(crate) fn naming(url: &Url, error: DataFusionError) -> DataFusionError {
    let name = format!("worker {url}");
    if error.to_string().contains(&name) {
        return error;
    }
    DataFusionError::Context(format!("{name} failed"), Box::new(error))
}

#[async_trait]
impl WorkerChannel for NamedChannel {
    async fn coordinator_channel(
        &mut self,
        headers: HeaderMap,
        set_plan_request: SetPlanRequest,
        c2w_stream: BoxStream<'static, CoordinatorToWorkerMsg>,
        metrics: ExecutionPlanMetricsSet,
        task_ctx: &Arc<TaskContext>,
    ) -> Result<BoxStream<'static, Result<WorkerToCoordinatorMsg>>> {
        let url = self.url.clone();
        let stream = self
            .inner
            .coordinator_channel(headers, set_plan_request, c2w_stream, metrics, task_ctx)
            .await
            .map_err(|e| naming(&url, e))?;
        Ok(stream.map_err(move |e| naming(&url, e)).boxed())
    }

    async fn execute_task(
        &mut self,
        headers: HeaderMap,
        request: ExecuteTaskRequest,
        metrics: ExecutionPlanMetricsSet,
        task_ctx: &Arc<TaskContext>,
    ) -> Result<Vec<BoxStream<'static, Result<RecordBatch>>>> {
        let url = self.url.clone();
        let streams = self
            .inner
            .execute_task(headers, request, metrics, task_ctx)
            .await
            .map_err(|e| naming(&url, e))?;
        Ok(streams
            .into_iter()
            .map(|stream| {
                let url = url.clone();
                stream.map_err(move |e| naming(&url, e)).boxed()
            })
            .collect())
    }

    async fn get_worker_info(
        &mut self,
        request: GetWorkerInfoRequest,
    ) -> Result<GetWorkerInfoResponse> {
        let url = self.url.clone();
        self.inner
            .get_worker_info(request)
            .await
            .map_err(|e| naming(&url, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_its_worker_once() {
        let url = Url::parse("http://10.0.0.5:8090").unwrap();
        let error = DataFusionError::Execution("h2 protocol error".into());
        let named = naming(&url, naming(&url, error));
        let text = named.to_string();
        assert!(text.starts_with("worker http://10.0.0.5:8090/"), "{text}");
        assert_eq!(text.matches("worker http://10.0.0.5:8090/").count(), 1);
        assert!(text.contains("h2 protocol error"), "{text}");
    }
}
