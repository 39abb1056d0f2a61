import GRPCNIOTransportHTTP2

/// The generated clients over our transport, named once so services and the CLI agree.
public typealias VMServiceClient = Golem_Provider_Vm_V1_VMService.Client<HTTP2ClientTransport.Posix>
public typealias ProxyServiceClient = Golem_Provider_Proxy_V1_ProxyService.Client<HTTP2ClientTransport.Posix>
public typealias PaymentsServiceClient = Golem_Provider_Payments_V1_PaymentsService.Client<HTTP2ClientTransport.Posix>
public typealias HealthClient = Golem_Provider_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
